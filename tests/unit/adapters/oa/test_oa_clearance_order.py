"""A clearance NSP sent without a Revision, overtaken on the way by the newer revision NSP sent before it: the OA
adapter pushes nothing for that revision when it comes last (audit of outage notices: before, it counted as newer
and every manager's to-read showed the notice active again). A revision sent after the clearance is pushed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.oa import NoticeVersion, ToReadVersions
from tests.unit.adapters.oa.oa_kit import Oa
from tests.unit.adapters.oa.records_kit import OpensVersions, oa_records_at, opened_records, versions  # noqa: F401
from tests.unit.adapters.oa.test_oa_notice_versions import cleared, fault

pytestmark = pytest.mark.unit
SENT = b"2026-11-23T09:10:00+08:00</c:SentAt>"  # the fault example's; its clearance example was sent at 11:10


def test_a_revision_sent_before_the_clearance_it_came_after_pushes_nothing(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-r1")).processed
    assert oa.client.send(cleared("nsp-clear", None)).processed  # it overtook revision 2
    pushed = len(oa.client.sent)
    late = fault("nsp-r2", "2", **{SENT.decode(): b"2026-11-23T09:20:00+08:00</c:SentAt>"})
    result = oa.client.send(late)
    assert result.processed and "stale" in (result.outcome or "")
    assert len(oa.client.sent) == pushed


def test_a_revision_sent_after_the_clearance_is_pushed(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-r1")).processed
    assert oa.client.send(cleared("nsp-clear", None)).processed
    pushed = len(oa.client.sent)
    reopened = fault("nsp-r2", "2", **{SENT.decode(): b"2026-11-23T12:00:00+08:00</c:SentAt>"})
    result = oa.client.send(reopened)
    assert result.processed and "stale" not in (result.outcome or "")
    assert len(oa.client.sent) > pushed


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


def test_an_active_version_is_judged_against_the_clearance_by_when_nsp_sent_it(
        versions: OpensVersions) -> None:  # noqa: F811
    one, two = versions(), versions()  # two worker processes on the shared record
    assert one.offer("N", NoticeVersion(1, False), "r1", "m-1", sent_at=at(1, 10))[:2] == ("newer", 1)
    assert two.offer("N", NoticeVersion(1, True), "clear", "m-3", sent_at=at(3, 10))[:2] == ("newer", 2)
    assert one.offer("N", NoticeVersion(2, False), "r2", "m-2", sent_at=at(1, 20))[:2] == ("stale", 2)
    assert one.offer("N", NoticeVersion(2, False), "r2", "m-4")[:2] == ("newer", 3)  # no SentAt: the revisions
    memory = ToReadVersions()
    assert memory.offer("N", NoticeVersion(1, True), "clear", "m-3", sent_at=at(3, 10))[:2] == ("newer", 1)
    assert memory.offer("N", NoticeVersion(2, False), "r2", "m-2", sent_at=at(1, 20))[:2] == ("stale", 1)
    assert memory.offer("N", NoticeVersion(2, False), "again", "m-5", sent_at=at(4, 0))[:2] == ("newer", 2)
