"""Outage auto-answer through the workflow's handlers (no broker), by moving a ManualClock: an active NSP notice
answers the complaints it explains at intake, a late notice links the open ones and tells their owners, a clearance
replies the recovery notice to the linked ones, revisions arrive in any order and a notice twice changes nothing.

Times: the kit's START is 09:15 in Shenzhen; the example notice (FLT-20261123-0007: VOICE, SMS, DATA in 0755, the
district "Futian, around Shenzhen Civic Center") started at 08:35, the example complaint (01.02.03, cannot
originate, Futian) occurred at 08:40.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.outages import OutageRule, StoredNotice, get_notice
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store.schema import work_order_events
from tests.unit.workflow.kit import EXAMPLES, WO, C, act, answer, command, envelope, text

pytestmark = pytest.mark.unit

NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
NOTICE_ID = "FLT-20261123-0007"
WORDING = ("因通信设备故障，深圳福田市民中心附近部分用户暂时无法正常通话和上网，我们正在全力抢修，预计今天12点前恢复，"
           "给您带来不便敬请谅解。")
RECOVERY = "福田市民中心附近的通信故障已于11:05恢复，如仍无法使用请重启手机。"


# -- helpers (the other outage test modules import them) -------------------------------------------------------

def notice_envelope(example: str = "OutageNotice.valid-fault.xml", *, message_id: str | None = None,
                    **values: str | list[tuple[str, str | None]] | list[str]) -> Envelope:
    """An NSP notice from the schema example; ``areas`` / ``services`` replace the example's lists."""
    root = etree.parse(str(EXAMPLES / "nsp" / example)).getroot()
    message_id = message_id or f"nsp-{uuid.uuid4().hex[:16]}"
    root.find(f"{{{NSP}}}Header/{{{C}}}MessageId").text = message_id
    areas, services = values.pop("areas", None), values.pop("services", None)
    for name, value in values.items():
        element = root.find(f"{{{NSP}}}{name}")
        if element is None and name == "ClearedAt":  # the one optional element the tests add: after Status
            element = etree.Element(f"{{{NSP}}}{name}")
            root.find(f"{{{NSP}}}Status").addnext(element)
        assert element is not None, f"{example} has no {name}"
        element.text = str(value)
    if areas is not None:
        first = root.find(f"{{{NSP}}}Area")
        for code, district in areas:  # type: ignore[misc]
            area = etree.Element(f"{{{NSP}}}Area")
            etree.SubElement(area, f"{{{C}}}AreaCode").text = code
            if district is not None:
                etree.SubElement(area, f"{{{C}}}District").text = district
            first.addprevious(area)
        for old in root.findall(f"{{{NSP}}}Area")[len(areas):]:
            root.remove(old)
    if services is not None:
        first = root.find(f"{{{NSP}}}Service")
        for service in services:
            first.addprevious(etree.Element(f"{{{NSP}}}Service"))
            first.getprevious().text = str(service)
        for old in root.findall(f"{{{NSP}}}Service")[len(services):]:
            root.remove(old)
    schema = CommandSetRegistry.installed().get("nsp").lxml_schema
    assert schema.validate(root), schema.error_log
    return Envelope(message_id, "nsp.OutageNotice", "NSP", etree.tostring(root))


def cleared_envelope(*, revision: int = 2, message_id: str | None = None) -> Envelope:
    return notice_envelope("OutageNotice.valid-cleared.xml", message_id=message_id, Revision=str(revision))


def complain(client: WorkerTestClient, example: str = "CreateWorkOrder.valid.xml", *, area: str = "0755",
             district: str | None = "Futian", **values: str) -> etree._Element:
    """A CreateWorkOrder from the example (area and district replaced) and its answer."""
    document, message_id = command(example, **values)
    area_element = document.find(f"{{{WO}}}Area")
    area_element.find(f"{{{C}}}AreaCode").text = area
    found = area_element.find(f"{{{C}}}District")
    if district is None:
        area_element.remove(found)
    else:
        found.text = district
    return answer(client.request(envelope(document, message_id)))


def stored(runtime: WorkflowRuntime, notice_id: str = NOTICE_ID) -> StoredNotice:
    with runtime.store.transaction() as tx:
        found = get_notice(tx.db, notice_id)
    assert found is not None
    return found


def clock(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def sent_types(client: WorkerTestClient) -> list[str]:
    return [e.command_type for e, _ in client.sent]


def dispatch(client: WorkerTestClient, work_order_id: str) -> None:
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"


# -- at intake -------------------------------------------------------------------------------------------------

def test_a_complaint_an_active_notice_explains_is_answered_at_intake(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope()).processed
    created = complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")  # complete: would be dispatched
    schema = CommandSetRegistry.installed().get("workorder").lxml_schema
    assert schema.validate(created), schema.error_log
    assert text(created, "wo:State") == "AUTO_ANSWERED"
    assert text(created, "wo:OutageNoticeId") == NOTICE_ID
    assert text(created, "wo:AutoAnswer") == WORDING
    assert text(created, "wo:Deadlines/wo:ReplyDue") is None  # off the clock
    assert "nsp.NetworkComplaintDispatch" not in sent_types(client)  # not dispatched

    work_order_id = text(created, "wo:WorkOrderId") or ""
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    assert (view.row["state"], view.row["outage_id"]) == ("AUTO_ANSWERED", NOTICE_ID)
    (answered,) = [h for h in view.history if h["action"] == "AUTO_ANSWER"]
    assert (answered["from_state"], answered["note"], answered["system"]) == ("ACCEPTED", WORDING, "HUB")
    (link,) = [h for h in view.history if h["field"] == "outage_id"]
    assert link["new_value"] == NOTICE_ID
    assert view.deadlines == []
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (1, 1, 0)
    with runtime.store.transaction() as tx:
        kinds = [row.kind for row in tx.db.execute(
            work_order_events.select().where(work_order_events.c.work_order_id == work_order_id)
            .order_by(work_order_events.c.seq))]
    assert kinds == ["TroubleTicketCreateEvent", "TroubleTicketStatusChangeEvent", "TroubleTicketResolvedEvent"]

    found = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    assert text(found, "wo:WorkOrder/wo:OutageNoticeId") == NOTICE_ID


def test_an_answered_complaint_stays_off_the_sla_clock(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    client.send(notice_envelope())
    work_order_id = text(complain(client), "wo:WorkOrderId") or ""
    before = len(client.sent)
    clock(runtime).advance(timedelta(days=3))  # far past every limit of every tier
    done = scheduler.run_pass()
    assert (done.fired, done.sent) == (0, [])
    assert len(client.sent) == before
    # no return visit while the outage is on: it comes after the clearance's reply (test_outage_return_visit.py)
    refused = act(client, work_order_id, "WorkOrderAction.valid-callback.xml")
    assert text(refused, "c:Code") == "outage-not-cleared"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.deadlines == []


def test_a_recalculation_keeps_an_answered_complaint_off_the_clock(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    """An SLA table change recalculates open work orders' deadlines without the engine's observers: the
    schedule itself gives an AUTO_ANSWERED work order no deadline rows."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    client.send(notice_envelope())
    work_order_id = text(complain(client), "wo:WorkOrderId") or ""
    with runtime.store.transaction() as tx:
        tx.update(work_order_id, {"sla_version": "an older table"})
    assert scheduler.recalculate() == 1
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["state"] == "AUTO_ANSWERED" and view.deadlines == []
    clock(runtime).advance(timedelta(days=3))
    assert scheduler.run_pass().fired == 0


@pytest.mark.parametrize(("why", "complaint", "notice"), [
    ("another area code", {"area": "020"}, {}),
    ("another district of the area", {"district": "Nanshan"}, {}),
    ("no district given, the notice names one", {"district": None}, {}),
    ("a category no outage explains (billing)", {"CategoryCode": "05.01.01"}, {}),
    ("a service the notice does not name (roaming)", {"CategoryCode": "01.05.01"}, {}),
    ("an excluded refinement (HLR data)", {"CategoryCode": "01.02.03.001"}, {}),
    ("occurred before the notice's start", {"OccurredAt": "2026-11-23T08:30:00+08:00"}, {}),
    ("the notice starts after the intake", {}, {"Start": "2026-11-23T09:20:00+08:00"}),
    ("the notice names VOICE of another area", {}, {"areas": [("020", None)]}),
])
def test_a_complaint_the_notice_does_not_explain_is_handled_as_usual(client: WorkerTestClient, why: str,
                                                                    complaint: dict[str, str | None],
                                                                    notice: dict[str, object]) -> None:
    client.send(notice_envelope(**notice))  # type: ignore[arg-type]
    created = complain(client, **complaint)  # type: ignore[arg-type]
    assert text(created, "wo:State") == "ACCEPTED", why
    assert text(created, "wo:OutageNoticeId") is None, why


@pytest.mark.parametrize(("why", "complaint", "notice"), [
    ("a notice for the whole area covers every district", {"district": "Nanshan"}, {"areas": [("0755", None)]}),
    ("a district notice covers a complaint without one when the area has no district",
     {"district": None}, {"areas": [("0755", None)]}),
    ("the district is compared without case", {"district": "FUTIAN"}, {}),
    ("a level-4 refinement under the service", {"CategoryCode": "01.02.03.002"}, {}),
    ("data: cannot connect to mobile internet", {"CategoryCode": "02.01.01"}, {}),
    ("one of several areas", {"area": "020", "district": None},
     {"areas": [("0755", "Futian"), ("020", None)]}),
])
def test_a_complaint_the_notice_explains_in_other_ways(client: WorkerTestClient, why: str,
                                                       complaint: dict[str, str | None],
                                                       notice: dict[str, object]) -> None:
    client.send(notice_envelope(**notice))  # type: ignore[arg-type]
    assert text(complain(client, **complaint), "wo:State") == "AUTO_ANSWERED", why  # type: ignore[arg-type]


def test_a_cleared_notice_answers_nothing(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    client.send(notice_envelope())
    client.send(cleared_envelope())
    assert not stored(runtime).active
    clock(runtime).advance(timedelta(hours=3))
    assert text(complain(client), "wo:State") == "ACCEPTED"


# -- a notice after the complaints -----------------------------------------------------------------------------

def test_a_late_notice_links_the_open_complaints_it_explains_and_tells_their_owners(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    waiting = text(complain(client), "wo:WorkOrderId") or ""
    dispatched = text(complain(client), "wo:WorkOrderId") or ""
    dispatch(client, dispatched)
    elsewhere = text(complain(client, area="020", district=None), "wo:WorkOrderId") or ""
    billing = text(complain(client, CategoryCode="05.01.01"), "wo:WorkOrderId") or ""
    earlier = text(complain(client, OccurredAt="2026-11-23T07:00:00+08:00"), "wo:WorkOrderId") or ""
    before = len(client.sent)

    clock(runtime).advance(timedelta(minutes=5))
    assert client.send(notice_envelope()).processed

    for work_order_id in (waiting, dispatched):
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None and view.row["outage_id"] == NOTICE_ID
        (link,) = [h for h in view.history if h["field"] == "outage_id"]
        assert (link["action"], link["new_value"]) == ("OUTAGE_LINK", NOTICE_ID)
    assert runtime.store.get_work_order(waiting).row["state"] == "ACCEPTED"  # linked, not answered by the hub
    for work_order_id in (elsewhere, billing, earlier):
        assert runtime.store.get_work_order(work_order_id).row["outage_id"] is None
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (2, 0, 1)

    told = client.sent[before:]
    assert [e.command_type for e, _ in told] == ["oa.PushToRead", "oa.PushToRead"]
    items = {etree.fromstring(e.payload).findtext(f"{{{OA}}}WorkOrderId"): etree.fromstring(e.payload)
             for e, _ in told}
    assert set(items) == {waiting, dispatched}
    assert items[waiting].findtext(f"{{{OA}}}UserId") == "CUSTOMER_SERVICE"
    assert items[dispatched].findtext(f"{{{OA}}}UserId") == "NOC-PROV"
    assert NOTICE_ID in (items[dispatched].findtext(f"{{{OA}}}Summary") or "")

    client.send(notice_envelope(Revision="2", Title="Futian: two base stations out of service"))
    assert stored(runtime).linked_count == 2  # a revision links no work order twice
    assert len(client.sent) == before + 2


def test_a_newer_revision_with_another_area_links_the_complaints_there(client: WorkerTestClient,
                                                                       runtime: WorkflowRuntime) -> None:
    client.send(notice_envelope())
    nanshan = text(complain(client, district="Nanshan"), "wo:WorkOrderId") or ""
    assert runtime.store.get_work_order(nanshan).row["state"] == "ACCEPTED"
    client.send(notice_envelope(Revision="2", areas=[("0755", "Futian"), ("0755", "Nanshan")]))
    assert runtime.store.get_work_order(nanshan).row["outage_id"] == NOTICE_ID
    assert text(complain(client, district="Nanshan"), "wo:State") == "AUTO_ANSWERED"


# -- clearance -------------------------------------------------------------------------------------------------

def test_clearance_replies_the_recovery_notice_to_the_linked_complaints(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    pending = text(complain(client), "wo:WorkOrderId") or ""
    dispatch(client, pending)
    act(client, pending, "WorkOrderAction.valid-start.xml")
    assert text(act(client, pending, "WorkOrderAction.valid-pend.xml"), "wo:State") == "PENDING"
    rejected = text(complain(client), "wo:WorkOrderId") or ""
    dispatch(client, rejected)
    assert text(act(client, rejected, "WorkOrderAction.valid-reject-dispatch.xml"),
                "wo:State") == "DISPATCH_REJECTED"
    suspended = text(complain(client), "wo:WorkOrderId") or ""
    assert text(act(client, suspended, "WorkOrderAction.valid-suspend.xml"), "wo:State") == "SUSPENDED"
    client.send(notice_envelope())  # the late notice links the three
    answered = text(complain(client), "wo:WorkOrderId") or ""
    other = text(complain(client, area="020", district=None), "wo:WorkOrderId") or ""
    before = len(client.sent)

    clock(runtime).advance(timedelta(hours=2))
    message_id = "nsp-20261123-111000-0007"
    assert client.send(cleared_envelope(message_id=message_id)).processed

    for work_order_id, path in ((answered, ["AUTO_ANSWER", "REPLY"]), (pending, ["PEND", "SUPPLY_INFO", "REPLY"]),
                                (suspended, ["SUSPEND", "RESUME", "REPLY"])):
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None and view.row["state"] == "REPLIED", work_order_id
        actions = [h["action"] for h in view.history if h["kind"] == "state"]
        assert actions[-len(path):] == path
        reply = view.history[-1]
        assert RECOVERY in reply["note"] and "cleared at 2026-11-23T11:05:00+08:00)" in reply["note"]
        assert (reply["actor"], reply["message_id"]) == ("hub", message_id)
        assert view.row["return_visit_due"] is not None  # on to the return visit
        if work_order_id == answered:  # answered at intake: its recovery reply had no limit either
            assert view.row["reply_due"] is None
        assert any(d["kind"].startswith("RETURN_VISIT") for d in view.deadlines)
    left = runtime.store.get_work_order(rejected)
    assert left is not None and left.row["state"] == "DISPATCH_REJECTED"
    assert left.history[-1]["action"] == "OUTAGE_CLEARED"
    assert runtime.store.get_work_order(other).row["state"] == "ACCEPTED"
    sent = [(e.command_type, etree.fromstring(e.payload)) for e, _ in client.sent[before:]]
    told = [doc for kind, doc in sent if kind.startswith("oa.")]
    assert [t.findtext(f"{{{OA}}}WorkOrderId") for t in told] == [rejected]
    # the replied ones are VIP_GOLD's (the fixture's BOSS): their account manager hears of the return visit
    visits = [doc for kind, doc in sent if kind == "crm.NotifyAccountManager"]
    assert sorted(v.findtext("{urn:onepoint:crm:1}WorkOrderId") for v in visits) == sorted(
        [answered, pending, suspended])
    notice = stored(runtime)
    assert notice.status == "CLEARED" and notice.cleared_at is not None
    assert notice.cleared_at.isoformat() == "2026-11-23T03:05:00+00:00"

    history = {wid: len(runtime.store.get_work_order(wid).history) for wid in (answered, pending, rejected)}
    assert client.send(cleared_envelope(message_id=message_id)).duplicate  # the same message: processed once
    again = client.send(cleared_envelope(revision=3))  # a newer clearance revision: nothing replied twice
    assert again.processed
    assert {wid: len(runtime.store.get_work_order(wid).history) for wid in history} == history
    # the to-read, the three return-visit notices and the withdrawal of the one NSP held unanswered, once
    withdrawn = [doc.findtext("{urn:onepoint:nsp:1}WorkOrderId") for kind, doc in sent
                 if kind == "nsp.NetworkComplaintWithdraw"]
    assert withdrawn == [pending]  # dispatched to NSP, not answered: the recovery reply ends NSP's part
    assert len(client.sent) == before + 5
    assert stored(runtime).revision == 3


# -- revisions -------------------------------------------------------------------------------------------------

def test_an_older_revision_is_ignored(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    newer = "抢修进展：预计今天14点前恢复。"
    assert client.send(notice_envelope(Revision="3", CustomerWording=newer)).processed
    result = client.send(notice_envelope(Revision="2"))
    assert result.processed and "older revision ignored" in (result.outcome or "")
    notice = stored(runtime)
    assert (notice.revision, notice.customer_wording) == (3, newer)
    assert text(complain(client), "wo:AutoAnswer") == newer

    client.send(cleared_envelope(revision=4))
    assert client.send(notice_envelope(Revision="3")).processed  # an active revision overtaken by the clearance
    assert stored(runtime).status == "CLEARED"


def test_a_notice_sent_without_a_revision_is_cleared_at_the_same_revision(client: WorkerTestClient,
                                                                         runtime: WorkflowRuntime) -> None:
    """nsp:Revision is optional (read as 1): the clearance of such a notice is revision 1 too, and must clear."""

    def without_revision(env: Envelope) -> Envelope:
        root = etree.fromstring(env.payload)
        root.remove(root.find(f"{{{NSP}}}Revision"))
        return Envelope(env.message_id, env.command_type, env.source_system, etree.tostring(root))

    assert client.send(without_revision(notice_envelope())).processed
    during = complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")
    assert text(during, "wo:State") == "AUTO_ANSWERED"
    runtime.clock.advance(timedelta(hours=3))
    assert client.send(without_revision(cleared_envelope())).processed
    assert stored(runtime).status == "CLEARED"
    work_order = runtime.store.get_work_order(text(during, "wo:WorkOrderId") or "")
    assert work_order is not None and work_order.row["state"] == "REPLIED"  # the recovery notice went out
    assert client.send(without_revision(notice_envelope())).processed  # the same revision active again: stale
    assert stored(runtime).status == "CLEARED"
    after = complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13900139000")
    assert text(after, "wo:State") != "AUTO_ANSWERED"


def test_a_notice_first_seen_cleared_is_kept_and_answers_nothing(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    waiting = text(complain(client), "wo:WorkOrderId") or ""
    client.send(cleared_envelope())
    notice = stored(runtime)
    assert (notice.status, notice.linked_count) == ("CLEARED", 0)
    assert runtime.store.get_work_order(waiting).row["state"] == "ACCEPTED"


def test_an_inconsistent_notice_is_dead_lettered(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    bad = (EXAMPLES / "nsp" / "OutageNotice.invalid-fault-with-adjustment-kind.xml").read_bytes()
    assert client.send(Envelope("nsp-inconsistent-0001", "nsp.OutageNotice", "NSP", bad)).dead
    with runtime.store.transaction() as tx:
        assert get_notice(tx.db, NOTICE_ID) is None


def test_switched_off_a_notice_is_kept_and_answers_nothing(client: WorkerTestClient,
                                                           runtime: WorkflowRuntime) -> None:
    runtime.intake_rules[:] = [r for r in runtime.intake_rules if r.name != "outage"]  # as open_runtime leaves it
    waiting = text(complain(client), "wo:WorkOrderId") or ""
    result = client.send(notice_envelope())
    assert result.processed and "auto-answer off" in (result.outcome or "")
    assert stored(runtime).active
    assert text(complain(client), "wo:State") == "ACCEPTED"
    assert runtime.store.get_work_order(waiting).row["outage_id"] is None


def test_the_active_notices_are_read_by_revision_and_parsed_once(client: WorkerTestClient,
                                                                runtime: WorkflowRuntime) -> None:
    (rule,) = [r for r in runtime.intake_rules if isinstance(r, OutageRule)]
    with runtime.store.transaction() as tx:
        assert rule.active.read(tx.db) == []
    client.send(notice_envelope())
    with runtime.store.transaction() as tx:
        (first,) = rule.active.read(tx.db)
        assert rule.active.read(tx.db)[0] is first  # unchanged: not parsed again
    client.send(notice_envelope(Revision="2", CustomerWording="新的口径"))
    with runtime.store.transaction() as tx:
        (second,) = rule.active.read(tx.db)
    assert (second.revision, second.customer_wording) == (2, "新的口径")
    client.send(cleared_envelope(revision=3))
    with runtime.store.transaction() as tx:
        assert rule.active.read(tx.db) == []


def _sent_at(envelope: Envelope, sent_at: str) -> Envelope:
    root = etree.fromstring(envelope.payload)
    root.find(f"{{{NSP}}}Header/{{{C}}}SentAt").text = sent_at
    return Envelope(envelope.message_id, envelope.command_type, envelope.source_system, etree.tostring(root))


def test_a_correction_at_the_same_revision_answers_the_next_complaints(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    """NSP corrects the area and wording without a new revision (applied, docs/outages.md): the intake rule's
    parsed notices are keyed by their last change too, so the next complaints are judged by the correction."""
    client.send(notice_envelope(areas=[("0755", "Futian")], CustomerWording="福田基站故障"))
    assert text(complain(client, district="Futian"), "wo:State") == "AUTO_ANSWERED"  # parsed and kept in the rule
    clock(runtime).advance(timedelta(minutes=5))
    client.send(_sent_at(notice_envelope(areas=[("0755", "Nanshan")], CustomerWording="南山基站故障"),
                         "2026-11-23T09:20:00+08:00"))
    assert [area.district for area in stored(runtime).areas] == ["Nanshan"]
    assert text(complain(client, district="Futian"), "wo:State") != "AUTO_ANSWERED"
    nanshan = complain(client, district="Nanshan")
    assert (text(nanshan, "wo:State"), text(nanshan, "wo:AutoAnswer")) == ("AUTO_ANSWERED", "南山基站故障")
