"""What a notice's later messages do to the work orders it answered or linked (audit of NSP's integrator): a revision
that drops a complaint's district unlinks it, tells its owner and never tells its customer of a recovery; a clearance
moves a complaint another active notice still explains over to that notice instead of telling it "recovered"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_outage_rule import (
    NOTICE_ID,
    OA,
    RECOVERY,
    cleared_envelope,
    clock,
    complain,
    notice_envelope,
    stored,
)

pytestmark = pytest.mark.unit

BOTH = [("0755", "Futian"), ("0755", "Luohu")]
DISTRICT_NOTICE = "FLT-20261123-0008"


def _actions(runtime: WorkflowRuntime, work_order_id: str) -> list[str]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return [str(h["action"]) for h in view.history]


def test_a_revision_that_drops_a_district_unlinks_its_complaints_and_tells_their_owners(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    waiting = text(complain(client), "wo:WorkOrderId") or ""  # taken before the notice: linked late, ACCEPTED
    assert client.send(notice_envelope(areas=BOTH)).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    luohu = text(complain(client, district="Luohu"), "wo:WorkOrderId") or ""
    assert runtime.store.get_work_order(answered).row["state"] == "AUTO_ANSWERED"
    assert (stored(runtime).linked_count, stored(runtime).auto_answered_count) == (3, 2)
    before = len(client.sent)

    result = client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")]))
    assert result.processed, result.reason

    for work_order_id, state in ((waiting, "ACCEPTED"), (answered, "AUTO_ANSWERED")):
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None
        assert (view.row["state"], view.row["outage_id"]) == (state, None)  # no backward transition
        last = view.history[-1]
        assert (last["action"], last["old_value"]) == ("OUTAGE_UNLINKED", NOTICE_ID)
        assert "revision 2" in last["note"] and "Futian" in last["note"]
    assert "handling by a person" in runtime.store.get_work_order(answered).history[-1]["note"]
    assert runtime.store.get_work_order(luohu).row["outage_id"] == NOTICE_ID
    told = {etree.fromstring(e.payload).findtext(f"{{{OA}}}WorkOrderId"): etree.fromstring(e.payload)
            for e, _ in client.sent[before:] if e.command_type == "oa.PushToRead"}
    assert set(told) == {waiting, answered}
    summary = told[answered].findtext(f"{{{OA}}}Summary") or ""
    assert "no longer covers" in summary and "handle it" in summary
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count) == (1, 1)

    clock(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope(revision=3)).processed
    assert runtime.store.get_work_order(luohu).row["state"] == "REPLIED"
    for work_order_id in (waiting, answered):
        assert "REPLY" not in _actions(runtime, work_order_id)  # never told of a recovery
        assert not any(RECOVERY in str(h["note"]) for h in runtime.store.get_work_order(work_order_id).history)


def test_a_revision_that_keeps_the_district_keeps_the_link(client: WorkerTestClient,
                                                           runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(areas=BOTH)).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Futian")])).processed
    assert runtime.store.get_work_order(answered).row["outage_id"] == NOTICE_ID
    assert "OUTAGE_UNLINKED" not in _actions(runtime, answered)


def test_clearing_one_of_two_notices_moves_a_complaint_the_other_explains(client: WorkerTestClient,
                                                                         runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(areas=[("0755", None)], services=["VOICE"])).processed  # all of 0755
    assert client.send(notice_envelope(NoticeId=DISTRICT_NOTICE, areas=[("0755", "Futian")],
                                       services=["VOICE"])).processed
    created = complain(client)
    answered = text(created, "wo:WorkOrderId") or ""
    assert text(created, "wo:OutageNoticeId") == DISTRICT_NOTICE  # the district's notice wins

    clock(runtime).advance(timedelta(hours=2))
    cleared = notice_envelope("OutageNotice.valid-cleared.xml", NoticeId=DISTRICT_NOTICE, Revision="2")
    assert client.send(cleared).processed
    view = runtime.store.get_work_order(answered)
    assert view is not None
    assert (view.row["state"], view.row["outage_id"]) == ("AUTO_ANSWERED", NOTICE_ID)  # not told "recovered"
    moved = view.history[-1]
    assert (moved["action"], moved["new_value"]) == ("OUTAGE_LINK", NOTICE_ID)
    assert DISTRICT_NOTICE in moved["note"]
    assert stored(runtime).linked_count == 1

    assert client.send(cleared_envelope()).processed  # the last notice explaining it clears: now it is replied
    view = runtime.store.get_work_order(answered)
    assert view is not None and view.row["state"] == "REPLIED"
    assert _actions(runtime, answered).count("REPLY") == 1


def test_a_revision_moving_its_start_says_its_instants_in_the_operators_zone(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """The history (shown in the operator's zone) and the owner's to-read say the revision's Start and the reply
    limit as the operator reads them, to the second (before: in UTC, ``2026-11-23T00:50:00+00:00``)."""
    assert client.send(notice_envelope()).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""  # occurred at 08:40 in Shenzhen
    before = len(client.sent)

    assert client.send(notice_envelope(Revision="2", Start="2026-11-23T08:50:00+08:00")).processed

    view = runtime.store.get_work_order(answered)
    assert view is not None and view.row["outage_id"] is None
    note = str(view.history[-1]["note"])
    assert "its Start (2026-11-23T08:50:00+08:00) is after the complaint's moment" in note
    [summary] = [etree.fromstring(e.payload).findtext(f"{{{OA}}}Summary") or "" for e, _ in client.sent[before:]
                 if e.command_type == "oa.PushToRead"]
    due = view.row["reply_due"].astimezone(runtime.engine.settings.local_zone).isoformat(timespec="seconds")
    assert f"its reply limit runs again, due {due})" in summary and "+00:00" not in summary
