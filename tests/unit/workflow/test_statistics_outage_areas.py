"""Statistics asked for one area show an outage's counts of that area's complaints, not the notice's lifetime counts
over every area it covers; summed over its areas they are those lifetime counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import WO, answer, command, envelope, text
from tests.unit.workflow.test_outage_rule import NOTICE_ID, clock, complain, dispatch, notice_envelope, stored

pytestmark = pytest.mark.unit


def outage_counts(client: WorkerTestClient, area: str | None, notice_id: str = NOTICE_ID) -> tuple[int, int, int]:
    document, message_id = command("QueryStatistics.valid.xml")
    area_element = document.find(f"{{{WO}}}AreaCode")
    assert area_element is not None
    if area is None:
        document.remove(area_element)
    else:
        area_element.text = area
    found = answer(client.request(envelope(document, message_id)))
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(found)
    (outage,) = [o for o in found.iterfind(f"{{{WO}}}Outage") if o.findtext(f"{{{WO}}}NoticeId") == notice_id]
    return (int(text(outage, "wo:Linked") or -1), int(text(outage, "wo:AutoAnswered") or -1),
            int(text(outage, "wo:Dispatched") or -1))


def test_an_outage_of_two_cities_counts_each_citys_complaints_under_its_area(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    complain(client)  # Shenzhen, taken before the notice: linked when it arrives
    dispatched = text(complain(client, Msisdn="13900139000"), "wo:WorkOrderId") or ""
    dispatch(client, dispatched)  # ... after NSP had it
    complain(client, area="020", district=None, Msisdn="13700137000")  # Guangzhou, before the notice
    clock(runtime).advance(timedelta(minutes=5))
    assert client.send(notice_envelope(areas=[("0755", "Futian"), ("020", None)])).processed
    assert text(complain(client, Msisdn="13600136000"), "wo:OutageNoticeId") == NOTICE_ID  # answered at intake
    assert text(complain(client, area="020", district=None, Msisdn="13500135000"),
                "wo:OutageNoticeId") == NOTICE_ID
    complain(client, area="0769", district=None, Msisdn="13400134000")  # Dongguan: not covered

    notice = stored(runtime)
    lifetime = (notice.linked_count, notice.auto_answered_count, notice.dispatch_count)
    assert lifetime == (5, 2, 1)
    assert outage_counts(client, None) == lifetime  # the province: the notice's own counts
    shenzhen, guangzhou = outage_counts(client, "0755"), outage_counts(client, "020")
    assert shenzhen == (3, 1, 1) and guangzhou == (2, 1, 0)  # before: (5, 2, 1) under either city
    assert tuple(map(sum, zip(shenzhen, guangzhou, strict=True))) == lifetime


def test_an_area_the_outage_covers_without_complaints_counts_none(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    complain(client)
    clock(runtime).advance(timedelta(minutes=5))
    assert client.send(notice_envelope(areas=[("0755", "Futian"), ("020", None)])).processed
    assert outage_counts(client, "020") == (0, 0, 0)
    assert outage_counts(client, "0755") == (1, 0, 0)


DISTRICT_NOTICE = "FLT-20261123-0008"


def test_a_complaint_moved_to_another_notice_counts_once_on_each_as_their_counters_do(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """Two link entries (at intake to the district's notice, moved to the area's at its clearance): the area's
    counts held it twice on the notice it moved to, answered at intake twice, and not at all on the one it left."""
    assert client.send(notice_envelope(areas=[("0755", None)])).processed
    assert client.send(notice_envelope(NoticeId=DISTRICT_NOTICE, areas=[("0755", "Futian")])).processed
    assert text(complain(client), "wo:OutageNoticeId") == DISTRICT_NOTICE  # answered at intake by the district's
    clock(runtime).advance(timedelta(hours=1))
    cleared = notice_envelope("OutageNotice.valid-cleared.xml", NoticeId=DISTRICT_NOTICE, Revision="2")
    assert client.send(cleared).processed  # moved to the area's notice, still active

    for notice_id in (NOTICE_ID, DISTRICT_NOTICE):
        notice = stored(runtime, notice_id)
        lifetime = (notice.linked_count, notice.auto_answered_count, notice.dispatch_count)
        assert outage_counts(client, "0755", notice_id) == lifetime, notice_id
    assert outage_counts(client, "0755") == (1, 0, 0)  # linked only where it moved to
    assert outage_counts(client, "0755", DISTRICT_NOTICE) == (1, 1, 0)  # its answer stays where it was given


def test_a_complaint_linked_again_by_a_revision_counts_once(client: WorkerTestClient,
                                                            runtime: WorkflowRuntime) -> None:
    """Linked at intake, unlinked by a revision dropping its district, linked again by one restoring it: two link
    entries to the same notice, counted twice (and answered at intake twice) under the area."""
    both = [("0755", "Futian"), ("0755", "Luohu")]
    assert client.send(notice_envelope(areas=both)).processed
    assert text(complain(client), "wo:OutageNoticeId") == NOTICE_ID
    assert client.send(notice_envelope(Revision="2", areas=[("0755", "Luohu")])).processed  # Futian dropped
    assert outage_counts(client, "0755") == (0, 0, 0)  # let go: taken back, as the notice's counters
    assert client.send(notice_envelope(Revision="3", areas=both)).processed  # and restored

    notice = stored(runtime)
    assert (notice.linked_count, notice.auto_answered_count, notice.dispatch_count) == (1, 1, 0)
    assert outage_counts(client, "0755") == (1, 1, 0)  # before: (2, 2, 0)
    assert outage_counts(client, None) == (1, 1, 0)
