"""Who holds a role of the SLA chain (issue 12.4: "an OA to-do for the responsible manager"): ``[workflow.
escalation_managers]`` names each role's holder per owning department, area code and ``"*"``. Before, every breach
of every department in every area went to the one OA user whose id is the role's name (``SHIFT_LEADER``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings, parse_workflow
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.datafile import DataFileError
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.start_checks import DataFilesRefused, check_data_files
from hub.workflow.store.schema import work_order_events
from hub.workflow.todos import open_todos
from tests.unit.workflow.audit_kit import complete_todo
from tests.unit.workflow.deadline_kit import act, clock, create, fire_every_row_until, history, row
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit
OA, CRM = "{urn:onepoint:oa:1}", "{urn:onepoint:crm:1}"
HOLDERS = {  # create() takes complaints of area 0755, owned by the intake department CUSTOMER_SERVICE
    "SHIFT_LEADER": {"CUSTOMER_SERVICE": "cs-shift-01", "NMC": "nmc-shift-01", "0755": "sz-shift-01",
                     "*": "any-shift-01"},
    "DEPARTMENT_MANAGER": {"CUSTOMER_SERVICE": "cs-mgr-01", "NMC": "nmc-mgr-01"},
    "SERVICE_DIRECTOR": {"*": "director-01"},
}


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    """The workflow conftest's runtime, with the holders' table (the ``client`` fixture sends through it)."""
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", escalation_managers=HOLDERS)
    opened = open_runtime(settings, clock=ManualClock(START))
    yield opened
    opened.close()


def pushed(client: WorkerTestClient, since: int = 0) -> list[tuple[str, str]]:
    """(UserId, ItemId) of each escalation to-do pushed from ``since`` on."""
    documents = [etree.fromstring(envelope.payload) for envelope, *_ in client.sent[since:]
                 if envelope.command_type == "oa.PushTodo"]
    return [(d.findtext(f"{OA}UserId") or "", d.findtext(f"{OA}ItemId") or "") for d in documents]


def first_response_breach(runtime: WorkflowRuntime, client: WorkerTestClient) -> tuple[str, DeadlineScheduler]:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "PREPAID")  # SHIFT_LEADER, DEPARTMENT_MANAGER, SERVICE_DIRECTOR
    clock(runtime).set(row(runtime, work_order_id)["first_response_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    return work_order_id, scheduler


def escalations(runtime: WorkflowRuntime, work_order_id: str) -> list[str]:
    return [h["note"].rpartition("; ")[2] for h in history(runtime, work_order_id)
            if h["field"] == "escalation_level" and h["action"] == "ESCALATE"]


@pytest.mark.parametrize(("holders", "user"), [
    (HOLDERS["SHIFT_LEADER"], "cs-shift-01"),  # the owning department's entry wins over the area's
    ({"0755": "sz-shift-01", "*": "any-shift-01"}, "sz-shift-01"),  # the area's over "*"
    ({"NMC": "nmc-shift-01", "*": "any-shift-01"}, "any-shift-01"),  # another department's: "*"
])
def test_the_owning_department_then_the_area_then_any_holds_the_role(tmp_path: Path, client: WorkerTestClient,
                                                                      holders: dict[str, str], user: str) -> None:
    opened = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'own.db'}",
                                           escalation_managers={"SHIFT_LEADER": holders}), clock=ManualClock(START))
    try:
        work_order_id, _ = first_response_breach(opened, client)
        assert pushed(client) == [(user, f"{work_order_id}-esc1-0")]
        assert escalations(opened, work_order_id) == [f"SHIFT_LEADER told ({user})"]  # the role and its holder
        assert [(todo.role, todo.user_id) for todo in open_todos(row(opened, work_order_id),
                                                                 history(opened, work_order_id))] == [
            ("SHIFT_LEADER", user)]
    finally:
        opened.close()


def test_a_role_without_a_table_goes_to_the_user_of_its_name_as_before(tmp_path: Path,
                                                                       client: WorkerTestClient) -> None:
    opened = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'own.db'}", escalation_managers={
        "DEPARTMENT_MANAGER": {"*": "any-mgr-01"}}), clock=ManualClock(START))
    try:
        work_order_id, _ = first_response_breach(opened, client)
        assert pushed(client) == [("SHIFT_LEADER", f"{work_order_id}-esc1-0")]
        assert escalations(opened, work_order_id) == ["SHIFT_LEADER told"]  # as every note before the table
    finally:
        opened.close()


def test_each_level_is_held_for_the_owner_when_it_fires(runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    """Dispatched to NMC, the reply breach tells NMC's shift leader; the dispatch refused as invalid (the work order
    back with CUSTOMER_SERVICE), its next level tells CUSTOMER_SERVICE's department manager, and the shift
    leader's notice is closed in OA under the user it was pushed to."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "PREPAID")
    act(runtime, work_order_id, A.DISPATCH)  # the first response, in time; owner NMC
    assert row(runtime, work_order_id)["owner"] == "NMC"
    clock(runtime).set(row(runtime, work_order_id)["reply_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    act(runtime, work_order_id, A.REJECT_DISPATCH)
    assert row(runtime, work_order_id)["owner"] == "CUSTOMER_SERVICE"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    (level_2,) = [d["due_at"] for d in view.deadlines if d["kind"] == "REPLY:ESCALATE2"]
    before = len(client.sent)
    clock(runtime).set(level_2 + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    assert pushed(client) == [("nmc-shift-01", f"{work_order_id}-esc1-0"), ("cs-mgr-01", f"{work_order_id}-esc2-0")]
    closed = [etree.fromstring(envelope.payload) for envelope, *_ in client.sent[before:]
              if envelope.command_type == "oa.CompleteTodo"]
    assert [(d.findtext(f"{OA}ItemId"), d.findtext(f"{OA}UserId")) for d in closed] == [
        (f"{work_order_id}-esc1-0", "nmc-shift-01")]
    assert escalations(runtime, work_order_id) == ["SHIFT_LEADER told (nmc-shift-01)",
                                                   "DEPARTMENT_MANAGER told (cs-mgr-01)"]


def test_the_account_managers_notice_and_the_event_name_the_role_and_its_holder(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD", manager="AM0001")
    clock(runtime).set(row(runtime, work_order_id)["first_response_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    (notice,) = [etree.fromstring(envelope.payload) for envelope, *_ in client.sent
                 if envelope.command_type == "crm.NotifyAccountManager"
                 and "escalated" in (etree.fromstring(envelope.payload).findtext(f"{CRM}Summary") or "")]
    assert (notice.findtext(f"{CRM}Summary") or "").startswith("escalated to level 1 (SHIFT_LEADER cs-shift-01): ")
    with runtime.store.engine.connect() as connection:
        payloads = connection.execute(work_order_events.select().where(
            work_order_events.c.work_order_id == work_order_id,
            work_order_events.c.kind == "TroubleTicketAttributeValueChangeEvent")).all()
    (change,) = [json.loads(p.payload)["event"]["troubleTicket"]["attributeValueChange"] for p in payloads]
    assert (change["escalatedTo"], change["escalatedToUser"]) == ("SHIFT_LEADER", "cs-shift-01")


def test_the_holders_completion_is_taken_and_one_under_the_role_name_is_not(runtime: WorkflowRuntime,
                                                                   client: WorkerTestClient) -> None:
    work_order_id, _ = first_response_breach(runtime, client)
    refusal = complete_todo(client, f"{work_order_id}-esc1-0", user="SHIFT_LEADER")
    assert refusal.dead and "pushed to cs-shift-01" in (refusal.reason or ""), refusal.reason
    assert complete_todo(client, f"{work_order_id}-esc1-0", user="cs-shift-01").processed
    assert open_todos(row(runtime, work_order_id), history(runtime, work_order_id)) == []


def test_another_limits_breach_goes_to_the_holder_of_the_role_reached(runtime: WorkflowRuntime,
                                                                      client: WorkerTestClient) -> None:
    """The first response never given: its breach climbs the whole chain (the director's notice open). The reply
    breach then goes to the role reached, the director, through its holder: a notice of its own (the first
    response's is closed when the first response is given, the reply still owed: regression audit, repro_2)."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "PREPAID")
    reply_due = row(runtime, work_order_id)["reply_due"]
    fire_every_row_until(runtime, scheduler, work_order_id, reply_due)
    assert [user for user, _ in pushed(client)] == ["cs-shift-01", "cs-mgr-01", "director-01", "director-01"]
    assert [h["note"] for h in history(runtime, work_order_id) if h["action"] == "BREACH"] == []


def test_a_bad_table_is_refused_at_start_naming_every_entry(tmp_path: Path) -> None:
    table: dict[str, Any] = {"SHIFT_LEAD": {"*": "x-01"}, "SHIFT_LEADER": {"NOWHERE": "x-02", "0755": "x-03"}}
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", escalation_managers=table)
    with pytest.raises(DataFileError) as refused:
        open_runtime(settings, clock=ManualClock(START))
    assert "SHIFT_LEAD: no escalation chain" in str(refused.value)
    assert "SHIFT_LEADER.NOWHERE: neither a department" in str(refused.value)
    assert "0755" not in str(refused.value)
    with pytest.raises(DataFilesRefused, match=r"SHIFT_LEADER\.NOWHERE"):  # `onepoint taxonomy check --config`
        check_data_files(settings)


def test_a_bad_shape_is_refused_with_the_settings_naming_every_entry(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"workflow\.escalation_managers") as refused:
        parse_workflow({"escalation_managers": {"SHIFT_LEADER": {"bad key": "sz shift", "0755": 7},
                                                "DEPARTMENT_MANAGER": "mgr-01"}}, str(tmp_path / "hub.toml"))
    message = str(refused.value)
    for named in ("key 'bad key'", "'sz shift' is not an OA user id", "SHIFT_LEADER.0755: 7",
                  "workflow.escalation_managers.DEPARTMENT_MANAGER must be a table"):
        assert named in message
    with pytest.raises(ValueError, match="unknown keys"):
        parse_workflow({"escalation_manager": {}}, str(tmp_path / "hub.toml"))
    parsed = parse_workflow({"escalation_managers": HOLDERS}, str(tmp_path / "hub.toml"))
    assert parsed.escalation_managers == HOLDERS
