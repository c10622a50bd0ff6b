"""What becomes of work orders a notice lets go (audit of the outage-notice handling): a clearance moving an
incident's children to another active notice moves the incident with them; children a revision unlinked are not
replied by their incident's resolution; an unlinked AUTO_ANSWERED complaint is told to be replied and is back on
its reply limit, and linked again by a revision that explains it again; the counters give back exactly what a link
counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.incidents.children import OUTAGE_UNLINKED
from hub.workflow.outages.revision import UNLINKED
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.audit_kit import nsp_reply
from tests.unit.workflow.incident_kit import children, complaint_document, incidents
from tests.unit.workflow.kit import WO, answer, command, envelope, text
from tests.unit.workflow.test_outage_rule import (
    NOTICE_ID,
    cleared_envelope,
    clock,
    complain,
    dispatch,
    notice_envelope,
    sent_types,
    stored,
)
from tests.unit.workflow.test_statistics_counters import check_rebuild
from tests.unit.workflow.test_statistics_sla_overdue import statistics

pytestmark = pytest.mark.unit

BOTH = [("0755", "Futian"), ("0755", "Luohu")]
DISTRICT_NOTICE = "FLT-20261123-0008"


def _incident_of(client: WorkerTestClient, runtime: WorkflowRuntime, districts: list[str]) -> str:
    """Ten complaints at the Futian hall, customer n from ``districts[n]``: the tenth opens the incident."""
    for number, district in enumerate(districts):
        document, message_id = complaint_document(number)
        found = document.find(f"{{{WO}}}Area/{{urn:onepoint:common:1}}District")
        assert found is not None
        found.text = district
        answer(client.request(envelope(document, message_id)))
        clock(runtime).advance(timedelta(minutes=1))
    (incident,) = incidents(runtime)
    return str(incident["id"])


def _row(runtime: WorkflowRuntime, work_order_id: str) -> dict[str, object]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return dict(view.row)


def _replies(runtime: WorkflowRuntime, work_order_id: str) -> list[str]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return [str(h["note"]) for h in view.history if h["action"] == "REPLY"]


def test_a_clearance_moves_an_incident_with_its_children_to_the_notice_still_explaining_them(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    incident = _incident_of(client, runtime, ["Futian"] * 9 + ["Nanshan"])  # the incident is Nanshan's
    assert client.send(notice_envelope(areas=[("0755", None)])).processed  # all of 0755: everything linked
    assert client.send(notice_envelope(NoticeId=DISTRICT_NOTICE, areas=[("0755", "Futian")])).processed
    clock(runtime).advance(timedelta(minutes=30))

    assert client.send(cleared_envelope()).processed  # the area's notice clears, Futian's is still active
    futian = [c for c in children(runtime, incident) if c["district"] == "Futian"]
    assert len(futian) == 9
    for child in futian:
        assert (child["state"], child["outage_id"]) != ("REPLIED", DISTRICT_NOTICE)
        assert child["outage_id"] == DISTRICT_NOTICE and not _replies(runtime, child["id"])
    row = _row(runtime, incident)
    assert (row["state"], row["outage_id"]) == ("DISPATCHED", DISTRICT_NOTICE)  # followed its children
    moved = runtime.store.get_work_order(incident).history[-1]  # type: ignore[union-attr]
    assert (moved["action"], moved["old_value"], moved["new_value"]) == ("OUTAGE_LINK", NOTICE_ID, DISTRICT_NOTICE)
    (nanshan,) = [c for c in children(runtime, incident) if c["district"] == "Nanshan"]
    assert nanshan["state"] == "REPLIED"  # the cleared notice explained it: told of its recovery

    clock(runtime).advance(timedelta(minutes=30))
    cleared = notice_envelope("OutageNotice.valid-cleared.xml", NoticeId=DISTRICT_NOTICE, Revision="2")
    assert client.send(cleared).processed  # Futian's outage is over now: the children and the incident replied
    assert {c["state"] for c in children(runtime, incident)} == {"REPLIED"}
    assert _row(runtime, incident)["state"] == "REPLIED"


def test_the_incidents_resolution_leaves_the_children_a_revision_unlinked(client: WorkerTestClient,
                                                                          runtime: WorkflowRuntime) -> None:
    incident = _incident_of(client, runtime, ["Futian"] * 5 + ["Luohu"] * 4 + ["Nanshan"])
    assert client.send(notice_envelope(areas=BOTH)).processed
    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Futian")])).processed  # Luohu dropped
    assert _row(runtime, incident)["outage_id"] == NOTICE_ID  # linked for its Futian children
    luohu = [c["id"] for c in children(runtime, incident) if c["district"] == "Luohu"]
    unlinked = [h for child in luohu for h in runtime.store.get_work_order(child).history  # type: ignore[union-attr]
                if h["action"] == "OUTAGE_UNLINKED"]
    assert len(unlinked) == 4 and all("reply it" in h["note"] for h in unlinked)
    clock(runtime).advance(timedelta(minutes=30))

    assert client.send(cleared_envelope(revision=3)).processed
    assert _row(runtime, incident)["state"] == "REPLIED"
    for child in luohu:
        assert _replies(runtime, child) == []  # as its history said: handled as any complaint
        assert _row(runtime, child)["state"] != "REPLIED"
    others = [c for c in children(runtime, incident) if c["district"] != "Luohu"]
    assert {c["state"] for c in others} == {"REPLIED"}  # Futian's by the clearance, Nanshan's by the incident
    assert all(incident in h["note"] for h in unlinked)  # the history said the incident would not reply them


def test_nsps_resolution_of_an_incident_unlinked_too_leaves_its_unlinked_children(client: WorkerTestClient,
                                                                                 runtime: WorkflowRuntime) -> None:
    """A revision dropping every linked child unlinks the incident too; NSP's later resolution of the incident's
    fault report replies its children, but not those the revision told their owners to handle (session audit)."""
    incident = _incident_of(client, runtime, ["Futian"] * 9 + ["Nanshan"])
    assert client.send(notice_envelope(areas=BOTH)).processed
    futian = [c["id"] for c in children(runtime, incident) if c["district"] == "Futian"]
    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")])).processed  # Futian dropped
    assert _row(runtime, incident)["outage_id"] is None
    clock(runtime).advance(timedelta(minutes=30))
    assert nsp_reply(client, incident).processed  # NSP resolves the incident's fault report
    assert _row(runtime, incident)["state"] == "REPLIED"
    assert [child for child in futian if _row(runtime, child)["state"] == "REPLIED"] == []


def test_the_resolutions_history_action_is_the_revisions() -> None:
    assert OUTAGE_UNLINKED == UNLINKED


def test_unlinking_gives_back_what_the_link_counted_never_below_zero(client: WorkerTestClient,
                                                                    runtime: WorkflowRuntime) -> None:
    waiting = text(complain(client), "wo:WorkOrderId") or ""  # ACCEPTED, not dispatched when the notice links it
    clock(runtime).advance(timedelta(minutes=5))
    assert client.send(notice_envelope(areas=BOTH)).processed
    dispatch(client, waiting)  # its owner dispatches it while it is linked: the notice did not count that
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (1, 0, 0)

    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")])).processed  # Futian dropped
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (0, 0, 0)


def test_a_moved_complaint_counts_as_linked_only_on_the_notice_it_moves_to(client: WorkerTestClient,
                                                                          runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(areas=[("0755", None)])).processed
    assert client.send(notice_envelope(NoticeId=DISTRICT_NOTICE, areas=[("0755", "Futian")])).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""  # the district's notice answers it
    clock(runtime).advance(timedelta(hours=1))
    cleared = notice_envelope("OutageNotice.valid-cleared.xml", NoticeId=DISTRICT_NOTICE, Revision="2")
    assert client.send(cleared).processed
    assert _row(runtime, answered)["outage_id"] == NOTICE_ID
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (1, 0, 0)

    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")])).processed  # lets it go
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (0, 0, 0)
    district = stored(runtime, DISTRICT_NOTICE)
    assert (district.linked_count, district.auto_answered_count) == (1, 1)  # the answer stays counted where given


def test_an_unlinked_auto_answered_complaint_is_to_be_replied_and_back_on_its_reply_limit(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    assert client.send(notice_envelope(areas=BOTH)).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")])).processed

    view = runtime.store.get_work_order(answered)
    assert view is not None
    assert (view.row["state"], view.row["outage_id"]) == ("AUTO_ANSWERED", None)
    note = view.history[-1]["note"]
    assert "reply" in note and "dispatch" not in note  # the lifecycle allows Reply and Callback from here
    assert view.row["reply_due"] is not None
    assert {d["kind"] for d in view.deadlines if d["fired_at"] is None} >= {"REPLY:ALARM"}

    before = len(client.sent)
    clock(runtime).advance(timedelta(days=3))  # ignored past its reply limit: breached and escalated
    done = scheduler.run_pass()
    assert done.fired >= 1
    assert "oa.PushTodo" in [e.command_type for e, _ in client.sent[before:]]

    assert _sla_sums(client)["Overdue"] == 1  # unreplied past the limit it is back on: overdue in the figures

    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=answered)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "REPLIED"
    assert _row(runtime, answered)["reply_due"] == view.row["reply_due"]  # replied against that limit
    sums = _sla_sums(client)
    assert (sums["Late"], sums["InSla"], sums["Overdue"]) == (1, 0, 0)  # replied late, not "in time"
    check_rebuild(runtime)  # the rebuild replays the unlink: the same counters


def _sla_sums(client: WorkerTestClient) -> dict[str, int]:
    """QueryStatistics' per-tier SLA figures of the test's day, summed over the tiers."""
    figures = statistics(client)
    return {name: sum(int(e.text or 0) for e in figures.iterfind(f"{{{WO}}}TierSla/{{{WO}}}{name}"))
            for name in ("Late", "InSla", "Overdue")}


def test_a_revision_restoring_the_district_links_the_auto_answered_complaint_again(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    waiting = text(complain(client), "wo:WorkOrderId") or ""
    assert client.send(notice_envelope(areas=BOTH)).processed
    answered = text(complain(client), "wo:WorkOrderId") or ""
    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")])).processed  # Futian dropped
    assert client.send(notice_envelope(Revision="3", areas=BOTH)).processed  # and restored

    view = runtime.store.get_work_order(answered)
    assert view is not None
    assert (view.row["state"], view.row["outage_id"], view.row["reply_due"]) == ("AUTO_ANSWERED", NOTICE_ID, None)
    assert view.deadlines == [] or all(d["fired_at"] is not None for d in view.deadlines)  # off the clock again
    assert [h["action"] for h in view.history][-2:] == ["OUTAGE_UNLINKED", "OUTAGE_LINK"]
    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (2, 1, 0)

    clock(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope(revision=4)).processed
    assert _row(runtime, answered)["state"] == "REPLIED" and _row(runtime, waiting)["state"] == "REPLIED"
    assert "oa.PushToRead" in sent_types(client)
