"""The statistics' maintained counters through the workflow's handlers (ManualClock, SQLite): what creation,
dispatch, rejection, reply (in time, late, in time thanks to a credited pause) and auto-answer count, under the
work order's creation day; the rebuild from the history gives the same rows; QueryStatistics answers the figures."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.commands import ActionRequest
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import add_counts, rebuild_counters, zone_of
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.schema import work_order_counters
from tests.unit.workflow.incident_kit import complain
from tests.unit.workflow.kit import WO, C, act, answer, command, envelope, text
from tests.unit.workflow.test_outage_rule import cleared_envelope, notice_envelope
from tests.unit.workflow.test_outage_rule import complain as outage_complaint

pytestmark = pytest.mark.unit

def counter_rows(runtime: WorkflowRuntime) -> dict[tuple[str, ...], int]:
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(select(work_order_counters)).all()
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def measures(runtime: WorkflowRuntime) -> Counter[str]:
    """Each measure's count: the sum of its total rows per day (the grain of every measure)."""
    found: Counter[str] = Counter()
    for (period, *dimensions, measure), count in counter_rows(runtime).items():
        if len(period) == 10 and {dimensions[0], *dimensions[2:]} == {"*"}:  # the area aside: every other "*"
            found[measure] += count
    return found


def create(client: WorkerTestClient, example: str = "CreateWorkOrder.valid.xml", **values: str) -> str:
    created = answer(client.request(envelope(*command(example, **values))))
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id is not None, etree.tostring(created)
    return work_order_id


def dispatch_without_fields(client: WorkerTestClient, work_order_id: str) -> etree._Element:
    """The example Dispatch without its template fields: refused, dispatch-incomplete."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    dispatch = document.find(f"{{{WO}}}Dispatch")
    assert dispatch is not None
    for field in dispatch.findall(f"{{{WO}}}Field"):
        dispatch.remove(field)
    return answer(client.request(envelope(document, message_id)))


def check_rebuild(runtime: WorkflowRuntime) -> None:
    maintained = counter_rows(runtime)
    told: list[tuple[int, int]] = []
    result = rebuild_counters(runtime.store.engine, zone_of(runtime.engine.observers),
                              progress=lambda done, total: told.append((done, total)))
    assert counter_rows(runtime) == maintained
    assert result.counter_rows == len(maintained)
    assert told and told[-1] == (result.work_orders, result.work_orders)  # the progress reached the end


def test_creation_dispatch_rejection_and_reply_are_counted_under_the_creation_day(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    work_order_id = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")  # dispatched at intake
    assert measures(runtime) == Counter(created=1, dispatched=1)
    assert text(act(client, work_order_id, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") == (
        "DISPATCH_REJECTED")
    assert text(act(client, work_order_id, "WorkOrderAction.valid-dispatch.xml"), "wo:State") == "DISPATCHED"
    clock.advance(timedelta(days=2))  # the reply comes two days later, past midnight
    assert text(act(client, work_order_id, "WorkOrderAction.valid-start.xml"), "wo:State") == "IN_PROGRESS"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-reply.xml"), "wo:State") == "REPLIED"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-callback.xml"), "wo:State") == "RETURN_VISITED"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-close.xml"), "wo:State") == "CLOSED"
    assert measures(runtime) == Counter(created=1, dispatched=2, invalid_dispatch=1, replied=1, replied_late=1,
                                        return_visited=1, return_visited_in_time=1, satisfied=1,
                                        closed=1)
    rows = counter_rows(runtime)
    assert {key[0] for key in rows} == {"2026-11-23", "2026-W48", "2026-11"}  # the creation day (Shenzhen), week, month
    assert rows[("2026-11-23", "01.02.03", "0755", "*", "*", "*", "*", "*", "created")] == 1  # the hot-spot grain
    assert rows[("2026-11", "*", "0755", "VIP_GOLD", "*", "*", "*", "*", "replied_late")] == 1  # the tier grain
    assert rows[("2026-11", "*", "0755", "*", "*", "*", "*", "*", "dispatched")] == 2  # the total grain
    assert not any(key[5] not in ("*",) for key in rows)  # no SP: no SP grain
    check_rebuild(runtime)


def test_replies_in_time_late_and_in_time_thanks_to_a_credited_pause(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    in_time = create(client)
    clock.advance(timedelta(minutes=10))
    act(client, in_time, "WorkOrderAction.valid-reply.xml")  # first contact: never dispatched

    late = create(client, Msisdn="13900139000")
    paused = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13700137000")
    act(client, paused, "WorkOrderAction.valid-start.xml")
    view = runtime.store.get_work_order(paused)
    assert view is not None
    due_before_pause = view.row["reply_due"]
    clock.advance(timedelta(minutes=30))
    assert text(act(client, paused, "WorkOrderAction.valid-pend.xml"), "wo:State") == "PENDING"
    clock.set(due_before_pause + timedelta(days=2))  # long past the limit as it stood before the pause
    assert text(act(client, paused, "WorkOrderAction.valid-supply-info.xml"), "wo:State") == "IN_PROGRESS"
    clock.advance(timedelta(minutes=1))
    act(client, paused, "WorkOrderAction.valid-reply.xml")
    act(client, late, "WorkOrderAction.valid-reply.xml")  # never paused: days past its limit

    replied = runtime.store.get_work_order(paused)
    assert replied is not None and replied.row["replied_at"] > due_before_pause  # late but for the credited pause
    assert replied.row["replied_at"] <= replied.row["reply_due"]
    counted = measures(runtime)
    assert counted["replied"] == 3 and counted["replied_in_sla"] == 2 and counted["replied_late"] == 1
    assert counted["first_contact_resolved"] == 2  # the two replied without a dispatch
    check_rebuild(runtime)


def test_an_auto_answer_is_a_first_contact_resolution_and_a_repeat_is_marked(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first = create(client)
    second = create(client)  # same number, same phenomenon within the repeat window
    with runtime.store.transaction() as tx:
        runtime.engine.act(tx, ActionRequest(second, LifecycleAction.AUTO_ANSWER, "hub", "HUB",
                                             {"Note": "known outage"}), runtime.clock.now())
    counted = measures(runtime)
    assert counted == Counter(created=2, repeat=1, auto_answered=1, first_contact_resolved=1)
    assert first != second
    check_rebuild(runtime)


def test_an_incident_counts_apart_from_the_complaints(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """An incident is written without engine.create (as the incident rule does): counted with its first action."""
    complaint = create(client)
    view = runtime.store.get_work_order(complaint)
    assert view is not None
    now = runtime.clock.now()
    incident = {k: v for k, v in view.row.items() if k not in ("id", "version")}
    incident.update(ticket_type="INCIDENT", msisdn="10086", intake_point="HALL-0755-01")
    with runtime.store.transaction() as tx:
        incident_id = tx.insert_work_order(incident, history=[
            HistoryEntry(at=now, kind="state", actor="hub", system="HUB", action="CREATE", to_state="NEW"),
            HistoryEntry(at=now, kind="state", actor="hub", system="HUB", action="ACCEPT", from_state="NEW",
                         to_state="ACCEPTED")])
    assert measures(runtime) == Counter(created=1)
    escalate = {"Reason": "mass complaint", "ToDepartment": "NETWORK_OPS"}
    with runtime.store.transaction() as tx:
        runtime.engine.act(tx, ActionRequest(incident_id, LifecycleAction.ESCALATE, "hub", "HUB", escalate), now)
    with runtime.store.transaction() as tx:
        runtime.engine.act(tx, ActionRequest(incident_id, LifecycleAction.REPLY, "hub", "HUB",
                                             {"Result": "fixed"}), now)
    counted = measures(runtime)
    assert counted["created"] == 1 and counted["incident_created"] == 1
    assert counted["incident_escalated"] == 1 and counted["incident_replied"] == 1 and counted["replied"] == 0
    check_rebuild(runtime)


def test_query_statistics_answers_the_figures(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first = create(client)
    create(client)  # a repeat
    act(client, first, "WorkOrderAction.valid-reply.xml")
    create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13700137000")
    document, message_id = command("QueryStatistics.valid.xml")
    days = document.find(f"{{{WO}}}Days")
    assert days is not None
    days[0].text, days[1].text = "2026-11-23", "2026-11-23"
    document.find(f"{{{WO}}}CategoryLevel").text = "3"  # type: ignore[union-attr]
    root = answer(client.request(envelope(document, message_id)))
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(root)
    assert text(root, "wo:Totals/wo:Complaints") == "3"
    assert text(root, "wo:Totals/wo:RepeatComplaints") == "1"
    assert text(root, "wo:Totals/wo:Dispatched") == "1"
    assert text(root, "wo:Shares/wo:RepeatComplaint") == "0.3333"
    assert text(root, "wo:Shares/wo:FirstContactResolution") == "0.3333"
    assert text(root, "wo:Shares/wo:SlaCompliance") == "1"
    assert text(root, "wo:Shares/wo:InvalidDispatch") == "0"
    assert text(root, "wo:HotSpot/wo:Category") == "01.02.03"
    assert text(root, "wo:HotSpot/wo:AreaCode") == "0755"
    assert text(root, "wo:HotSpot/wo:Share") == "1"
    assert text(root, "wo:TierSla/wo:Tier") == "VIP_GOLD" and text(root, "wo:TierSla/wo:InSla") == "1"

    days[0].text = days[1].text = "2026-11-24"  # the next day: nothing was created on it
    document.find(f"{{{WO}}}Header/{{{C}}}MessageId").text = "cs-next-day-0001"  # type: ignore[union-attr]
    empty = answer(client.request(envelope(document, "cs-next-day-0001")))
    assert text(empty, "wo:Totals/wo:Complaints") == "0"
    assert text(empty, "wo:Shares/wo:RepeatComplaint") is None  # no share of nothing
    assert empty.find(f"{{{WO}}}HotSpot") is None


def test_a_window_ending_before_it_begins_is_refused(client: WorkerTestClient) -> None:
    document, message_id = command("QueryStatistics.valid.xml")
    days = document.find(f"{{{WO}}}Days")
    assert days is not None
    days[0].text, days[1].text = "2026-11-24", "2026-11-01"
    refused = answer(client.request(envelope(document, message_id)))
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-window"



def test_a_mass_complaint_counts_ten_complaints_and_one_incident(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    """The incident rule's own incident (written without engine.create) is counted apart, with its dispatch."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    answers = []
    for number in range(10):  # ten customers at one business hall within 30 minutes
        clock.advance(timedelta(minutes=2))
        answers.append(complain(client, number))
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    counted = measures(runtime)
    assert counted["created"] == 10 and counted["incident_created"] == 1 and counted["incident_dispatched"] == 1
    assert act(client, incident_id, "WorkOrderAction.valid-reply.xml") is not None  # replies every child too
    counted = measures(runtime)
    assert counted["incident_replied"] == 1 and counted["replied"] == 10 and counted["created"] == 10
    check_rebuild(runtime)


def test_an_outage_auto_answer_and_its_recovery_reply_are_in_time(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    """The outage rule answers at intake (off the SLA clock); the recovery reply days later is no late reply."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    assert client.send(notice_envelope()).processed
    answered = outage_complaint(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")
    assert text(answered, "wo:State") == "AUTO_ANSWERED"
    assert measures(runtime) == Counter(created=1, auto_answered=1, first_contact_resolved=1)
    clock.advance(timedelta(days=3))
    assert client.send(cleared_envelope()).processed
    assert measures(runtime) == Counter(created=1, auto_answered=1, first_contact_resolved=1, replied=1,
                                        replied_in_sla=1)
    check_rebuild(runtime)


def test_counts_are_written_at_the_commit_summed_and_undone_with_their_savepoint(runtime: WorkflowRuntime) -> None:
    """A batch's counts reach the counter rows once, just before its commit; a message whose savepoint is rolled
    back leaves none of its counts, the others keep theirs."""
    key = ("2026-11-23", "*", "0755", "*", "*", "*", "*", "*", "created")
    other = ("2026-11-23", "*", "0769", "*", "*", "*", "*", "*", "created")

    def undone_message(tx: WorkOrderTransaction) -> None:
        with tx.savepoint("claim"):
            tx.add_at_commit(add_counts, {key: 5, other: 1})
            raise RuntimeError("this message is undone")

    with runtime.store.transaction("counts-at-commit") as tx:
        tx.add_at_commit(add_counts, {key: 1})
        with pytest.raises(RuntimeError):
            undone_message(tx)
        with tx.savepoint():
            tx.add_at_commit(add_counts, {key: 2})
        assert tx.db.execute(select(work_order_counters)).all() == []  # held: nothing written before the commit
    assert counter_rows(runtime) == {key: 3}

    def rolled_back() -> None:
        with runtime.store.transaction("counts-rolled-back") as tx:
            tx.add_at_commit(add_counts, {key: 1})
            tx.write_held_additions()  # written early (a batch does, before awaiting its confirms)...
            raise RuntimeError("...and rolled back with the transaction")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert counter_rows(runtime) == {key: 3}

    def written_then_undone(tx: WorkOrderTransaction) -> None:
        with tx.savepoint("claim"):
            tx.add_at_commit(add_counts, {other: 4})
            tx.write_held_additions()  # both written inside the savepoint, then undone with it...
            tx.add_at_commit(add_counts, {other: 7})
            raise RuntimeError("this message is undone")

    with runtime.store.transaction("counts-written-inside-an-undone-savepoint") as tx:
        tx.add_at_commit(add_counts, {key: 10})
        with pytest.raises(RuntimeError):
            written_then_undone(tx)
    assert counter_rows(runtime) == {key: 13}  # ...the 10 held before it still counted, nothing of it


def test_a_dispatch_refused_for_missing_template_fields_is_counted(client: WorkerTestClient,
                                                                    runtime: WorkflowRuntime) -> None:
    work_order_id = create(client)  # its template's fields not taken at intake: not dispatched
    refused = dispatch_without_fields(client, work_order_id)
    assert refused.findtext(f"{{{C}}}Code") == "dispatch-incomplete"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-dispatch.xml"), "wo:State") == "DISPATCHED"
    assert measures(runtime) == Counter(created=1, dispatch_refused=1, dispatched=1)
    check_rebuild(runtime)
    figures = answer(client.request(envelope(*command("QueryStatistics.valid-no-window.xml"))))
    assert text(figures, "wo:Totals/wo:DispatchesRefused") == "1"
