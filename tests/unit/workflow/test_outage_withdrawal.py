"""A notice NSP withdraws as issued in error (status WITHDRAWN: there was no outage; docs/outages.md "Withdrawal:
not an outage"): every work order it linked is moved to another active notice explaining it, as a clearance moves
it, or else let go as a revision lets go one it no longer explains; nobody is told of a recovery, the notice answers
and links nothing any more, and nothing NSP sends of it later is applied."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderView
from tests.unit.workflow.kit import WO, text
from tests.unit.workflow.test_outage_rule import (
    NOTICE_ID,
    OA,
    RECOVERY,
    cleared_envelope,
    clock,
    complain,
    dispatch,
    notice_envelope,
    stored,
)
from tests.unit.workflow.test_statistics_sla_overdue import statistics

pytestmark = pytest.mark.unit

FALSE_ALARM = "a faulty sensor: the station never went down"
DISTRICT_NOTICE = "FLT-20261123-0008"


def withdrawn_envelope(*, revision: int = 2, message_id: str | None = None) -> Envelope:
    return notice_envelope("OutageNotice.valid-withdrawn.xml", message_id=message_id, Revision=str(revision),
                           WithdrawalReason=FALSE_ALARM)


def _view(runtime: WorkflowRuntime, work_order_id: str) -> WorkOrderView:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return view


def _told(client: WorkerTestClient, since: int) -> dict[str, etree._Element]:
    return {etree.fromstring(e.payload).findtext(f"{{{OA}}}WorkOrderId") or "": etree.fromstring(e.payload)
            for e, _ in client.sent[since:] if e.command_type == "oa.PushToRead"}


def test_a_withdrawal_unlinks_every_linked_complaint_and_tells_their_owners(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime) -> None:
    waiting = text(complain(client), "wo:WorkOrderId") or ""  # taken before the notice: linked late
    dispatched = text(complain(client), "wo:WorkOrderId") or ""
    dispatch(client, dispatched)
    clock(runtime).advance(timedelta(minutes=5))
    assert client.send(notice_envelope()).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    assert _view(runtime, answered).row["state"] == "AUTO_ANSWERED"
    assert _view(runtime, answered).row["reply_due"] is None
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (3, 1, 1)
    before = len(client.sent)

    result = client.send(withdrawn_envelope())
    assert result.processed, result.reason

    for work_order_id, state in ((waiting, "ACCEPTED"), (dispatched, "DISPATCHED"), (answered, "AUTO_ANSWERED")):
        view = _view(runtime, work_order_id)
        assert (view.row["state"], view.row["outage_id"]) == (state, None)  # nothing undone, no longer linked
        last = view.history[-1]
        assert (last["action"], last["old_value"], last["new_value"]) == ("OUTAGE_UNLINKED", NOTICE_ID, None)
        assert "withdrawn as not an outage" in last["note"] and "there was no outage" in last["note"]
        assert FALSE_ALARM in last["note"]
        assert not any(RECOVERY in str(h["note"]) for h in view.history)
    assert "handling by a person" in _view(runtime, answered).history[-1]["note"]
    answered_view = _view(runtime, answered)
    assert answered_view.row["reply_due"] is not None  # back on its reply limit
    assert {d["kind"] for d in answered_view.deadlines if d["fired_at"] is None} >= {"REPLY:ALARM"}

    told = _told(client, before)
    assert set(told) == {waiting, dispatched, answered}
    summary = told[answered].findtext(f"{{{OA}}}Summary") or ""
    assert "was withdrawn" in summary and "tell the customer and reply" in summary
    assert "handle it as any complaint" in (told[dispatched].findtext(f"{{{OA}}}Summary") or "")
    notice = stored(runtime)
    assert (notice.status, notice.active, notice.revision) == ("WITHDRAWN", False, 2)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (0, 0, 0)
    outage = statistics(client).find(f"{{{WO}}}Outage")
    assert outage is not None and outage.findtext(f"{{{WO}}}Status") == "WITHDRAWN"


def test_after_a_withdrawal_intake_links_nothing_and_a_clearance_replies_nobody(client: WorkerTestClient,
                                                                                runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope()).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    assert client.send(withdrawn_envelope()).processed

    later = complain(client)
    assert text(later, "wo:OutageNoticeId") is None and text(later, "wo:State") != "AUTO_ANSWERED"
    later_id = text(later, "wo:WorkOrderId") or ""
    assert _view(runtime, later_id).row["outage_id"] is None

    clock(runtime).advance(timedelta(hours=2))
    before = len(client.sent)
    result = client.send(cleared_envelope(revision=3))
    assert result.processed and "nothing after a withdrawal" in (result.outcome or ""), result
    assert client.send(notice_envelope(Revision="4", Title="revised after all")).processed
    for work_order_id in (answered, later_id):
        view = _view(runtime, work_order_id)
        assert view.row["outage_id"] is None and view.row["state"] != "REPLIED"
        assert [h["action"] for h in view.history].count("OUTAGE_LINK") == (work_order_id == answered)
    assert _told(client, before) == {}
    assert (stored(runtime).status, stored(runtime).revision) == ("WITHDRAWN", 2)


def test_a_withdrawal_after_the_clearance_changes_nothing(client: WorkerTestClient,
                                                          runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope()).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    clock(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope()).processed
    assert _view(runtime, answered).row["state"] == "REPLIED"
    history = len(_view(runtime, answered).history)
    before = len(client.sent)

    assert client.send(withdrawn_envelope(revision=3)).processed
    assert len(_view(runtime, answered).history) == history  # the clearance replied it already
    assert _told(client, before) == {}
    assert stored(runtime).status == "WITHDRAWN"  # recorded


def test_a_redelivered_withdrawal_does_nothing_twice(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope()).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    assert client.send(withdrawn_envelope(message_id="nsp-withdrawal-1")).processed
    history, sent = len(_view(runtime, answered).history), len(client.sent)

    client.send(withdrawn_envelope(message_id="nsp-withdrawal-1"))  # the same message: the processed record
    assert client.send(withdrawn_envelope(message_id="nsp-withdrawal-2")).processed  # resent under a new id
    assert len(_view(runtime, answered).history) == history and len(client.sent) == sent
    assert stored(runtime).linked_count == 0


def test_a_withdrawal_lets_an_incident_go_with_its_children(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    from tests.unit.workflow.incident_kit import children
    from tests.unit.workflow.test_outage_links_let_go import _incident_of

    incident = _incident_of(client, runtime, ["Futian"] * 9 + ["Nanshan"])
    assert client.send(notice_envelope(areas=[("0755", None)])).processed
    assert _view(runtime, incident).row["outage_id"] == NOTICE_ID
    assert client.send(withdrawn_envelope()).processed
    assert _view(runtime, incident).row["outage_id"] is None
    assert _view(runtime, incident).history[-1]["action"] == "OUTAGE_UNLINKED"
    assert {c["outage_id"] for c in children(runtime, incident)} == {None}


def test_a_withdrawal_moves_a_complaint_another_active_notice_explains(client: WorkerTestClient,
                                                                       runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(areas=[("0755", None)], services=["VOICE"])).processed  # all of 0755
    assert client.send(notice_envelope(NoticeId=DISTRICT_NOTICE, areas=[("0755", "Futian")],
                                       services=["VOICE"])).processed
    created = complain(client)
    answered = text(created, "wo:WorkOrderId") or ""
    assert text(created, "wo:OutageNoticeId") == DISTRICT_NOTICE  # the district's notice answered it
    clock(runtime).advance(timedelta(minutes=30))
    before = len(client.sent)

    withdrawal = notice_envelope("OutageNotice.valid-withdrawn.xml", NoticeId=DISTRICT_NOTICE, Revision="2",
                                 WithdrawalReason=FALSE_ALARM)
    result = client.send(withdrawal)
    assert result.processed and "1 moved" in (result.outcome or ""), result

    view = _view(runtime, answered)
    assert (view.row["state"], view.row["outage_id"]) == ("AUTO_ANSWERED", NOTICE_ID)  # the area's outage is real
    assert view.row["reply_due"] is None and not [d for d in view.deadlines if d["fired_at"] is None]
    moved = view.history[-1]
    assert (moved["action"], moved["old_value"], moved["new_value"]) == ("OUTAGE_LINK", DISTRICT_NOTICE, NOTICE_ID)
    assert "withdrawn as not an outage" in moved["note"] and FALSE_ALARM in moved["note"]
    assert "OUTAGE_UNLINKED" not in [h["action"] for h in view.history]
    summary = _told(client, before)[answered].findtext(f"{{{OA}}}Summary") or ""
    assert "was withdrawn" in summary and f"now linked to outage notice {NOTICE_ID}" in summary
    assert "no reply is due now" in summary
    area = stored(runtime)
    assert (area.linked_count, area.auto_answered_count) == (1, 0)  # linked only, as a clearance's move counts it
    district = stored(runtime, DISTRICT_NOTICE)
    assert (district.status, district.linked_count, district.auto_answered_count) == ("WITHDRAWN", 1, 1)

    clock(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope()).processed  # the notice explaining it clears: now it is replied
    view = _view(runtime, answered)
    assert view.row["state"] == "REPLIED"
    assert [h["action"] for h in view.history].count("REPLY") == 1


def test_a_withdrawal_moves_an_incident_with_its_children_the_other_notice_explains(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    from tests.unit.workflow.incident_kit import children
    from tests.unit.workflow.test_outage_links_let_go import _incident_of

    incident = _incident_of(client, runtime, ["Futian"] * 9 + ["Nanshan"])  # the incident is Nanshan's
    assert client.send(notice_envelope(areas=[("0755", None)])).processed  # all of 0755: everything linked
    assert client.send(notice_envelope(NoticeId=DISTRICT_NOTICE, areas=[("0755", "Futian")])).processed
    assert client.send(withdrawn_envelope()).processed  # the area's notice withdrawn, Futian's is still active

    futian = [c for c in children(runtime, incident) if c["district"] == "Futian"]
    assert len(futian) == 9 and {c["outage_id"] for c in futian} == {DISTRICT_NOTICE}
    (nanshan,) = [c for c in children(runtime, incident) if c["district"] == "Nanshan"]
    assert nanshan["outage_id"] is None  # nothing else explains it: let go
    row = _view(runtime, incident).row
    assert row["outage_id"] == DISTRICT_NOTICE  # followed its children
    moved = _view(runtime, incident).history[-1]
    assert (moved["action"], moved["old_value"], moved["new_value"]) == ("OUTAGE_LINK", NOTICE_ID, DISTRICT_NOTICE)
    assert stored(runtime, DISTRICT_NOTICE).linked_count == 9
