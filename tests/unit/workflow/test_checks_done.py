"""The pre-processing checks an agent made (``wo:CheckDone``, by their number in the template's list): QueryTemplate
numbers them; a check the template has not, or one named twice, is refused ``unknown-check`` naming each, nothing
written; the checks stated are kept in the history (CHECK_DONE, shown by QueryWorkOrder) and every dispatch carries
them as ``nsp:CheckDone`` (so that NSP does not repeat them), those recorded at intake or with an earlier dispatch
too; a department's OA to-do says them in its Summary. A Dispatch stating none costs no statement more."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import event

from hub.gateways.documents import add_child
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.checks_done import check_problems, checks_done, recorded_checks
from hub.workflow.network_dispatch import checks_carried
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.taxonomy import load_taxonomy
from hub.workflow.template_queries import template_answer
from tests.unit.workflow.audit_kit import NS
from tests.unit.workflow.kit import WO, act, answer, command, envelope, text

pytestmark = pytest.mark.unit

NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
VOICE = load_taxonomy().phenomenon("01.02.03")  # template voice_originate: four checks


def _create(client: WorkerTestClient, example: str = "CreateWorkOrder.valid.xml", checks: tuple[str, ...] = (),
            **replace: str) -> etree._Element:
    document, message_id = command(example, **replace)
    for element in document.findall(f"{{{WO}}}CheckDone"):
        document.remove(element)
    for number in checks:
        etree.SubElement(document, f"{{{WO}}}CheckDone").text = number
    return answer(client.request(envelope(document, message_id)))


def _dispatch(client: WorkerTestClient, work_order_id: str, checks: tuple[str, ...],
              fields: dict[str, str] | None = None, to: str = "") -> tuple[etree._Element, list[etree._Element]]:
    """The example Dispatch stating ``checks`` (with other ``fields`` to department ``to``, when given): its
    answer and the documents sent for it, each valid against its schema."""
    document, message_id = command("WorkOrderAction.valid-dispatch-checks-done.xml", WorkOrderId=work_order_id)
    dispatch = document.find(f"{{{WO}}}Dispatch")
    assert dispatch is not None
    for element in list(dispatch):
        name = etree.QName(element).localname
        if name == "CheckDone" or (fields is not None and name in ("Field", "ToSystem")):
            dispatch.remove(element)
        elif name == "ToDepartment" and to:
            element.text = to
    for name, value in (fields or {}).items():
        etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
    for number in checks:
        etree.SubElement(dispatch, f"{{{WO}}}CheckDone").text = number
    registry = CommandSetRegistry.installed()
    registry.get("workorder").lxml_schema.assertValid(document)
    before = len(client.sent)
    reply = answer(client.request(envelope(document, message_id)))
    sent = [etree.fromstring(e.payload) for e, _ in client.sent[before:]]
    for doc in sent:
        registry.get(etree.QName(doc).namespace.rsplit(":", 2)[1]).lxml_schema.assertValid(doc)
    return reply, sent


def _nsp_checks(sent: list[etree._Element]) -> list[str]:
    (dispatch,) = [doc for doc in sent if etree.QName(doc).localname == "NetworkComplaintDispatch"]
    return [e.text or "" for e in dispatch.iterfind(f"{{{NSP}}}CheckDone")]


def _history(client: WorkerTestClient, work_order_id: str) -> list[dict[str, str | None]]:
    document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    found = answer(client.request(envelope(document, message_id)))
    etree.XMLSchema(etree.parse(str(resources.files("onepoint_schemas") / "workorder.xsd"))).assertValid(found)
    return [{name: text(h, f"wo:{name}") for name in ("Action", "Field", "NewValue", "Note")}
            for h in found.iterfind("wo:WorkOrder/wo:History", NS)]


def _checks_recorded(client: WorkerTestClient, work_order_id: str) -> dict[str | None, str | None]:
    return {e["Field"]: e["NewValue"] for e in _history(client, work_order_id) if e["Action"] == "CHECK_DONE"}


def test_query_template_numbers_each_check_as_check_done_names_it() -> None:
    root = etree.Element(f"{{{WO}}}QueryTemplateResponse")
    template_answer(root, load_taxonomy(), "01.02.03")
    checks = root.findall(f"{{{WO}}}Template/{{{WO}}}PreCheck")
    assert [(e.get("number"), e.text) for e in checks] == [(str(n), c) for n, c in enumerate(VOICE.checks, 1)]


def test_the_checks_stated_with_a_dispatch_are_recorded_and_carried_to_nsp(client: WorkerTestClient) -> None:
    work_order_id = text(_create(client), "wo:WorkOrderId") or ""
    reply, sent = _dispatch(client, work_order_id, ("4", "1"))
    assert text(reply, "wo:State") == "DISPATCHED", etree.tostring(reply)
    assert _nsp_checks(sent) == [VOICE.checks[0], VOICE.checks[3]]  # the template's order
    assert _checks_recorded(client, work_order_id) == {"check.1": VOICE.checks[0], "check.4": VOICE.checks[3]}
    (entry, _) = [e for e in _history(client, work_order_id) if e["Action"] == "CHECK_DONE"]
    assert entry["Note"] == "check 1 of template voice_originate, stated with the dispatch"


def test_a_check_the_template_has_not_or_one_named_twice_is_refused_naming_each(client: WorkerTestClient) -> None:
    work_order_id = text(_create(client), "wo:WorkOrderId") or ""
    refused, sent = _dispatch(client, work_order_id, ("9", "2", "2", "5", "2"))
    assert text(refused, "c:Code") == "unknown-check"
    said = text(refused, "c:Message") or ""
    assert "check 9: template voice_originate has no such check (its checks are 1 to 4)" in said
    assert "check 5: template voice_originate has no such check" in said
    assert said.count("check 2: named twice") == 1
    assert sent == []
    entries = _history(client, work_order_id)
    assert [e["Action"] for e in entries if e["Action"] in ("CHECK_DONE", "DISPATCH", "DISPATCH_REFUSED")] == []


def test_a_complaint_stating_a_check_its_template_has_not_is_refused_before_it_is_created(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    refused = _create(client, checks=("1", "7"), Msisdn="13800007001")
    assert text(refused, "c:Code") == "unknown-check"
    assert "check 7: template voice_originate has no such check" in (text(refused, "c:Message") or "")
    assert runtime.store.query(msisdn="13800007001").total == 0


def test_a_complaint_dispatched_at_intake_carries_its_checks(client: WorkerTestClient) -> None:
    before = len(client.sent)
    created = _create(client, "CreateWorkOrder.valid-checks-done.xml", ("2", "1"))
    assert text(created, "wo:State") == "DISPATCHED"
    sent = [etree.fromstring(e.payload) for e, _ in client.sent[before:]]
    assert _nsp_checks(sent) == list(VOICE.checks[:2])
    work_order_id = text(created, "wo:WorkOrderId") or ""
    assert _checks_recorded(client, work_order_id) == {"check.1": VOICE.checks[0], "check.2": VOICE.checks[1]}


def test_checks_stated_at_intake_are_kept_and_carried_by_the_later_dispatch(client: WorkerTestClient) -> None:
    created = _create(client, checks=("3",))
    assert text(created, "wo:State") == "ACCEPTED"
    work_order_id = text(created, "wo:WorkOrderId") or ""
    (kept,) = [e for e in _history(client, work_order_id) if e["Action"] == "CHECK_DONE"]
    assert (kept["Field"], kept["NewValue"]) == ("check.3", VOICE.checks[2])
    assert "stated at intake" in (kept["Note"] or "")
    _, sent = _dispatch(client, work_order_id, ("1",))
    assert _nsp_checks(sent) == [VOICE.checks[0], VOICE.checks[2]]


def test_a_dispatch_sent_again_after_one_marked_invalid_carries_the_checks_recorded(
        client: WorkerTestClient) -> None:
    work_order_id = text(_create(client), "wo:WorkOrderId") or ""
    _dispatch(client, work_order_id, ("1", "2"))
    assert text(act(client, work_order_id, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") \
        == "DISPATCH_REJECTED"
    reply, sent = _dispatch(client, work_order_id, ("4",))
    assert text(reply, "wo:State") == "DISPATCHED", etree.tostring(reply)
    assert _nsp_checks(sent) == [VOICE.checks[0], VOICE.checks[1], VOICE.checks[3]]
    assert text(act(client, work_order_id, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") \
        == "DISPATCH_REJECTED"
    _, again = _dispatch(client, work_order_id, ())  # none stated now: still those recorded
    assert _nsp_checks(again) == [VOICE.checks[0], VOICE.checks[1], VOICE.checks[3]]


def test_a_departments_oa_todo_says_the_checks_made(client: WorkerTestClient) -> None:
    dsmp = load_taxonomy().phenomenon("04.01.01")
    work_order_id = text(_create(client, CategoryCode="04.01.01", Msisdn="13800004001"), "wo:WorkOrderId") or ""
    fields = {"sp_code": "901234", "service_code": "ABC", "access_number": "10661234",
              "fault_time": "2026-11-23T08:40:00+08:00", "amount": "10.00"}
    reply, sent = _dispatch(client, work_order_id, ("1",), fields, to=dsmp.target.code)
    assert text(reply, "wo:State") == "DISPATCHED", etree.tostring(reply)
    (todo,) = [doc for doc in sent if etree.QName(doc).localname == "PushTodo"]
    assert f"Checks done: {dsmp.checks[0]}" in (todo.findtext(f"{{{OA}}}Summary") or "")


def test_a_check_longer_than_nsp_takes_is_cut_and_no_more_than_ten_are_carried() -> None:
    carried = checks_carried({"checks_done": ["x" * 300, *(f"check {n}" for n in range(11))]})
    assert len(carried) == 10 and carried[0] == "x" * 199 + "…"
    root = etree.Element(f"{{{NSP}}}Check")
    for check in carried:
        assert len(add_child(root, "CheckDone", check).text or "") <= 200


def test_the_checks_recorded_merge_with_those_stated_in_the_templates_order() -> None:
    history = [{"action": "CHECK_DONE", "field": "check.3", "new_value": "third"},
               {"action": "INTAKE_FIELD", "field": "intake.terminal_type", "new_value": "N95"}]
    assert recorded_checks(history) == ["third"]
    assert checks_done(("first", "second", "third"), recorded_checks(history), {1: "first", 3: "third"}) \
        == ["first", "third"]
    assert check_problems(VOICE, ["1", "2", "3", "4"]) == []


@contextmanager
def _statements(runtime: WorkflowRuntime) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(runtime.store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(runtime.store.engine, "before_cursor_execute", count)


def test_a_dispatch_stating_no_check_costs_no_statement_more(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    """The hot path (bench/workflow.py's dispatches state none): nothing is read for the checks (the history the
    Dispatch reads anyway tells those recorded), and their entries go with the action's own history insert, so a
    Dispatch stating a check makes as many statements as one stating none."""
    first = text(_create(client, Msisdn="13800007101"), "wo:WorkOrderId") or ""
    second = text(_create(client, Msisdn="13800007102"), "wo:WorkOrderId") or ""
    with _statements(runtime) as plain:
        _dispatch(client, first, ())
    with _statements(runtime) as checked:
        _dispatch(client, second, ("1",))
    assert len(checked) == len(plain), (plain, checked)
    assert _checks_recorded(client, second) == {"check.1": VOICE.checks[0]}
