"""Every manager told of a notice in OA is told of its newer versions and its clearance (audit of the bulletin): a
revision that moves the notice to another area reaches the managers of the area it left, and so does the
clearance; the managers told are kept in the notice book, so a restarted or another worker knows them too. And a
correction (same revision, sent later) is not undone by the original arriving after it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from adapters.oa import NoticeBookFile, NoticeVersion, ToReadVersions
from hub.envelope import Envelope
from tests.unit.adapters.oa.oa_kit import OA, Oa
from tests.unit.adapters.oa.test_oa_notice_versions import answer_with, cleared, fault
from tests.unit.adapters.oa.test_oa_notice_versions_kept import worker
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit

SHENZHEN, HANGZHOU = ("mgr-0755-01", "mgr-0755-02"), ("mgr-0571-01",)
SENT = b"2026-11-23T09:10:00+08:00</c:SentAt>"


def users(pushes: list[Envelope]) -> list[str]:
    return [etree.fromstring(push.payload).findtext(f"{{{OA}}}UserId") or "" for push in pushes]


def moved(message_id: str, revision: str) -> Envelope:
    return command("nsp/OutageNotice.valid-fault.xml", message_id=message_id, correlation_id=None, replace={
        b"<nsp:Revision>1</nsp:Revision>": f"<nsp:Revision>{revision}</nsp:Revision>".encode(),
        b">0755<": b">0571<"})


def sent_at(message_id: str, at: str, title: str) -> Envelope:
    return command("nsp/OutageNotice.valid-fault.xml", message_id=message_id, correlation_id=None, replace={
        SENT: f"{at}</c:SentAt>".encode(), b"<nsp:Title>": f"<nsp:Title>{title}: ".encode()})


def test_a_revision_moving_the_notice_and_its_clearance_reach_the_managers_it_left(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-r1")).processed
    first = [push for push, _ in oa.client.sent]
    assert users(first) == list(SHENZHEN)
    assert oa.client.send(moved("nsp-r2", "2")).processed
    second = [push for push, _ in oa.client.sent][len(first):]
    assert users(second) == [*HANGZHOU, *SHENZHEN]  # Shenzhen's managers learn the notice is no longer theirs
    assert oa.client.send(cleared("nsp-r3", "3")).processed
    third = [push for push, _ in oa.client.sent][len(first) + len(second):]
    assert sorted(users(third)) == sorted([*HANGZHOU, *SHENZHEN])
    for push in [*first, *second, *third]:  # in order: each manager's item ends showing the clearance
        answer_with(oa, push)
        assert oa.client.send(push).processed
    shown: dict[str, str] = {}
    for call in oa.route.calls:
        posted = etree.fromstring(call.request.content)
        shown[posted.findtext(f"{{{OA}}}UserId") or ""] = posted.findtext(f"{{{OA}}}Title") or ""
    assert set(shown) == {*SHENZHEN, *HANGZHOU}
    assert all(title.startswith("Fault notice cleared") for title in shown.values())


def test_the_managers_told_are_kept_over_a_restart(tmp_path: Path) -> None:
    with worker(tmp_path / "versions.db") as before:
        assert before.send(fault("nsp-r1")).processed
    with worker(tmp_path / "versions.db") as after:  # a restarted worker, or another one
        assert after.send(moved("nsp-r2", "2")).processed
        assert users([push for push, _ in after.sent]) == [*HANGZHOU, *SHENZHEN]


def test_the_original_after_its_correction_pushes_nothing(oa: Oa) -> None:
    assert oa.client.send(sent_at("nsp-corrected", "2026-11-23T09:40:00+08:00", "Corrected")).processed
    pushed = len(oa.client.sent)
    late = oa.client.send(sent_at("nsp-original", "2026-11-23T09:10:00+08:00", "Original"))
    assert late.processed and "stale" in (late.outcome or "")
    assert len(oa.client.sent) == pushed


def test_a_correction_sent_later_is_pushed(oa: Oa) -> None:
    assert oa.client.send(sent_at("nsp-original", "2026-11-23T09:10:00+08:00", "Original")).processed
    pushed = len(oa.client.sent)
    assert oa.client.send(sent_at("nsp-corrected", "2026-11-23T09:40:00+08:00", "Corrected")).processed
    assert len(oa.client.sent) == 2 * pushed


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


def test_same_revision_variants_are_ordered_by_when_nsp_sent_them(tmp_path: Path) -> None:
    active = NoticeVersion(1, False)
    for versions in (ToReadVersions(), ToReadVersions(book=NoticeBookFile(tmp_path / "versions.db"))):
        assert versions.offer("N", active, "corrected", "m-2", sent_at=at(1, 40))[:2] == ("newer", 1)
        assert versions.offer("N", active, "original", "m-1", sent_at=at(1, 10))[:2] == ("stale", 1)
        assert versions.offer("N", active, "corrected", "m-3", sent_at=at(1, 50))[:2] == ("unchanged", 1)
        # NSP said the correction again at 1:50: a variant sent at 1:45 is older than that
        assert versions.offer("N", active, "original", "m-4", sent_at=at(1, 45))[:2] == ("stale", 1)
        assert versions.offer("N", active, "original", "m-5", sent_at=at(1, 55))[:2] == ("newer", 2)
        assert versions.offer("N", active, "unknown", "m-6")[:2] == ("newer", 3)  # no SentAt: by content, as before
        versions.close()
