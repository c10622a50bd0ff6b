"""The shipped WorkOrderAction examples act, as shipped, on the work order of the shipped CreateWorkOrder.valid.xml.

The examples are one complaint (category 01.02.03, "cannot originate", work order WO20261123A7K2M9Q1): a newcomer
creates the work order with CreateWorkOrder.valid.xml and sends the actions in turn, naming the id the hub gave it
(nothing else changed; each example has its own MessageId). Before, WorkOrderAction.valid-dispatch.xml carried
fields of an older voice_originate template (no ``fault_time``, no ``calling_functions_affected``) and was refused
422 dispatch-incomplete, which left every later example of the complaint unreachable; and
WorkOrderAction.valid-suspend.xml's Until (2026-11-27) had passed, refused 422 until-not-future on any later day.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.taxonomy import load_taxonomy
from tests.unit.workflow.kit import EXAMPLES, WO, C, answer, envelope, text

pytestmark = pytest.mark.unit

NS = {"wo": WO, "c": C}
WITH_THE_ORDER = {"msisdn", "contact_number"}  # the hub adds them from the work order to every dispatch
# What a newcomer sends on the created work order, in turn, and the state each answer names.
PATHS = {
    "handled-and-closed": [("dispatch", "DISPATCHED"), ("start", "IN_PROGRESS"), ("remind", "IN_PROGRESS"),
                           ("pend", "PENDING"),
                           ("supply-info", "IN_PROGRESS"), ("request-info", "PENDING"),
                           ("supply-info", "IN_PROGRESS"), ("reply", "REPLIED"), ("callback", "RETURN_VISITED"),
                           ("close", "CLOSED")],
    "dispatch-rejected": [("dispatch", "DISPATCHED"), ("reject-dispatch", "DISPATCH_REJECTED"),
                          ("dispatch", "DISPATCHED")],
    # dispatched again, stating the pre-processing checks made (wo:CheckDone): carried to NSP
    "dispatch-checks-done": [("dispatch", "DISPATCHED"), ("reject-dispatch", "DISPATCH_REJECTED"),
                             ("dispatch-checks-done", "DISPATCHED")],
    "suspended": [("suspend", "SUSPENDED"), ("resume", "ACCEPTED"), ("dispatch", "DISPATCHED")],
    "escalated": [("escalate", "ESCALATED"), ("start", "IN_PROGRESS"), ("reply", "REPLIED")],
    "cancelled": [("cancel", "CANCELLED")],
}
README = " ".join((EXAMPLES.parents[1] / "README.md").read_text("utf-8").split())


def readme_order() -> list[tuple[str, str]]:
    """The order README's "Try it" gives the examples of the complaint handled and closed, each with the state it
    leads to; none if the sentence is gone."""
    found = re.search(r"in this order, they take it from ACCEPTED through (.*?)\(CLOSED\)\.", README)
    return re.findall(r"`valid-([a-z-]+)\.xml` \((?:back to )?([A-Z_]+)", found.group(0)) if found else []


PATHS["readme"] = readme_order()  # sent in turn below, and over HTTP (test_readme_work_order_actions)



def shipped(name: str) -> etree._Element:
    return etree.parse(str(EXAMPLES / "workorder" / name)).getroot()


def sent(client: WorkerTestClient, document: etree._Element, *, again: bool = False) -> etree._Element:
    """The answer to ``document`` as shipped (its own MessageId; a new one when the same example is sent again)."""
    message_id = document.findtext("wo:Header/c:MessageId", namespaces=NS) or ""
    if again:
        message_id = f"cs-{uuid.uuid4().hex[:16]}"
        header_id = document.find("wo:Header/c:MessageId", NS)
        assert header_id is not None
        header_id.text = message_id
    return answer(client.request(envelope(document, message_id)))


def created(client: WorkerTestClient) -> str:
    answered = sent(client, shipped("CreateWorkOrder.valid.xml"))
    work_order_id = text(answered, "wo:WorkOrderId")
    assert work_order_id is not None, etree.tostring(answered)
    assert text(answered, "wo:State") == "ACCEPTED"
    return work_order_id


def acted(client: WorkerTestClient, work_order_id: str, action: str, *, again: bool = False) -> etree._Element:
    """The answer to WorkOrderAction.valid-<action>.xml naming ``work_order_id``, nothing else changed."""
    document = shipped(f"WorkOrderAction.valid-{action}.xml")
    named = document.find("wo:WorkOrderId", NS)
    assert named is not None
    named.text = work_order_id
    return sent(client, document, again=again)


def test_the_shipped_dispatch_dispatches_the_shipped_work_order(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatched = acted(client, work_order_id, "dispatch")
    detail = f"{text(dispatched, 'c:Code')}: {text(dispatched, 'c:Message')}"
    assert text(dispatched, "wo:State") == "DISPATCHED", detail  # before: dispatch-incomplete, fault_time missing
    assert [e.command_type for e, _ in client.sent][-1] == "nsp.NetworkComplaintDispatch"


def test_the_shipped_dispatch_carries_exactly_its_templates_fields() -> None:
    create, dispatch = shipped("CreateWorkOrder.valid.xml"), shipped("WorkOrderAction.valid-dispatch.xml")
    assert dispatch.findtext("wo:WorkOrderId", namespaces=NS) == "WO20261123A7K2M9Q1"
    template = load_taxonomy().phenomenon(create.findtext("wo:CategoryCode", namespaces=NS) or "")
    given = {field.get("name") or "": field.text or "" for field in dispatch.iterfind("wo:Dispatch/wo:Field", NS)}
    wanted = set(template.field_names) - WITH_THE_ORDER
    assert len(given) == len(dispatch.findall("wo:Dispatch/wo:Field", NS)), "a field given twice"
    assert set(given) == wanted, f"template {template.id} asks for {sorted(wanted)} beside {sorted(WITH_THE_ORDER)}"
    of_the_order = {"msisdn": create.findtext("wo:Msisdn", namespaces=NS) or "",
                    "contact_number": create.findtext("wo:ContactNumber", namespaces=NS) or ""}
    assert template.missing_fields(template.normalised({**of_the_order, **given})) == []  # each value of its type


@pytest.mark.parametrize("day", ["the-examples-day", "today"])
@pytest.mark.parametrize("path", sorted(PATHS))
def test_the_shipped_actions_move_the_shipped_work_order_in_turn(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                                 path: str, day: str) -> None:
    """On the examples' own day (2026-11-23) and on the day the test runs, as a newcomer sends them: an example
    whose time has passed by then (a Suspend's Until: until-not-future) must move forward."""
    if day == "today":
        assert isinstance(runtime.clock, ManualClock)
        runtime.clock.set(datetime.now(UTC))
    work_order_id, seen = created(client), set()
    for action, state in PATHS[path]:
        answered = acted(client, work_order_id, action, again=action in seen)
        seen.add(action)
        detail = f"{action}: {text(answered, 'c:Code')}: {text(answered, 'c:Message')}"
        assert text(answered, "wo:State") == state, detail


def test_every_shipped_action_example_is_sent_on_some_path() -> None:
    actions = {name.removeprefix("WorkOrderAction.valid-").removesuffix(".xml")
               for name in (p.name for p in (EXAMPLES / "workorder").glob("WorkOrderAction.valid-*.xml"))}
    assert actions == {action for steps in PATHS.values() for action, _ in steps}


def test_the_readme_gives_the_order_the_examples_work_in() -> None:
    """README named the states ("to DISPATCHED, IN_PROGRESS, PENDING and back, REPLIED…"), not the files' order: a
    newcomer sent valid-resume.xml after valid-pend.xml, refused (audit). The order it names is sent above."""
    assert readme_order() == [("dispatch", "DISPATCHED"), ("start", "IN_PROGRESS"), ("pend", "PENDING"),
                              ("supply-info", "IN_PROGRESS"), ("reply", "REPLIED"), ("callback", "RETURN_VISITED"),
                              ("close", "CLOSED")]
    assert "`valid-resume.xml` is not the way back from PENDING" in README


def test_resume_is_refused_on_a_pending_order_and_a_resent_example_gets_its_recorded_answer(
        client: WorkerTestClient) -> None:
    """What README says of the examples: Resume is for a SUSPENDED order; an example sent again with its own
    MessageId is answered as the first time, whatever the state is now."""
    work_order_id = created(client)
    for action in ("dispatch", "start", "pend"):
        acted(client, work_order_id, action)
    refused = acted(client, work_order_id, "resume")
    assert text(refused, "c:Code") == "transition-refused", etree.tostring(refused)
    assert text(acted(client, work_order_id, "supply-info"), "wo:State") == "IN_PROGRESS"
    assert text(acted(client, work_order_id, "pend"), "wo:State") == "PENDING"  # the recorded answer, not a new pend
    assert text(acted(client, work_order_id, "reply"), "wo:State") == "REPLIED"  # it was still IN_PROGRESS
