"""The OA adapter's notice book file: a file written by the earlier schema (one table, no SentAt, no managers told,
no items) opens and is upgraded in place; a cleared notice's records are pruned a retention after its last change
(before, ``oa_notice_versions`` kept one row per notice for ever)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.oa import MemoryNoticeBook, NoticeBookFile, NoticeVersion, ToReadVersions
from tests.unit.adapters.oa.records_kit import OpensVersions

pytestmark = pytest.mark.unit

DAY = 86_400.0
_FIRST_SCHEMA = """
CREATE TABLE oa_notice_versions (
    prefix TEXT NOT NULL, notice_id TEXT NOT NULL, revision INTEGER NOT NULL, cleared INTEGER NOT NULL,
    fingerprint TEXT NOT NULL, sequence INTEGER NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (prefix, notice_id))
"""


def first_schema_file(path: Path) -> None:
    """A file as the adapter wrote it before the upgrade: notice FLT-1 cleared at revision 2."""
    db = sqlite3.connect(path)
    db.execute(_FIRST_SCHEMA)
    db.execute("INSERT INTO oa_notice_versions VALUES ('onepoint', 'FLT-1', 2, 1, 'cleared', 3, 'm-cleared')")
    db.commit()
    db.close()


def test_a_file_of_the_first_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "onepoint-oa-notices.db"
    first_schema_file(path)
    versions = ToReadVersions(book=NoticeBookFile(path))
    try:
        assert versions.kept_revision("FLT-1") == 2
        assert versions.offer("FLT-1", NoticeVersion(1, False), "late", "m-late")[:2] == ("stale", 3)
        offered = versions.offer("FLT-1", NoticeVersion(3, False), "again", "m-r3", managers=("mgr-a",),
                                 announce=lambda user: (f"toread-FLT-1-{user}", "r3"))
        assert offered == ("newer", 4, ("mgr-a",))
        with versions.pushing("toread-FLT-1-mgr-a", "r3") as wanted:
            assert wanted
    finally:
        versions.close()
    again = NoticeBookFile(path)  # opened a second time: nothing left to upgrade
    try:
        with again.page() as page:
            kept = page.get("FLT-1")
            assert kept is not None and (kept.revision, kept.told, kept.sequence) == (3, ("mgr-a",), 4)
            item = page.item("toread-FLT-1-mgr-a")
            assert item is not None and (item.wanted, item.pushed, item.lease_owner) == (4, 4, "")
    finally:
        again.close()


def test_the_notices_kept_before_the_upgrade_count_their_retention_from_it(tmp_path: Path) -> None:
    path = tmp_path / "onepoint-oa-notices.db"
    first_schema_file(path)
    book = NoticeBookFile(path)
    try:
        with book.page() as page:
            kept = page.get("FLT-1")
            assert kept is not None and kept.changed_at > 0 and kept.sent_at is None and kept.told == ()
            assert page.prune(kept.changed_at - DAY, 64) == 0
    finally:
        book.close()


def announcer(notice_id: str) -> Callable[[str], tuple[str, str]]:
    return lambda user: (f"toread-{notice_id}-{user}", "x")


@pytest.fixture(params=["memory", "shared"])
def retained_versions(request: pytest.FixtureRequest, versions: OpensVersions) -> OpensVersions:
    """ToReadVersions in the worker's memory, or on the shared record (``records_kit``)."""
    if request.param == "memory":
        return lambda **options: ToReadVersions(book=MemoryNoticeBook(), **options)
    return versions


def test_a_cleared_notices_records_are_pruned_after_the_retention(retained_versions: OpensVersions) -> None:
    now = [1_000_000.0]
    versions = retained_versions(keep_seconds=7 * DAY, clock=lambda: now[0])
    try:
        for notice_id, version in (("FLT-1", NoticeVersion(1, True)), ("FLT-2", NoticeVersion(1, False))):
            versions.offer(notice_id, version, "x", f"m-{notice_id}", managers=("mgr-a",),
                           announce=announcer(notice_id))
        now[0] += 7 * DAY + 1
        versions.offer("FLT-3", NoticeVersion(1, False), "x", "m-FLT-3")  # each accepted version prunes
        assert versions.kept_revision("FLT-1") is None  # cleared, past the retention: gone with its item
        assert versions.kept_revision("FLT-2") == 1  # still active: kept
        with versions.book.page() as page:
            assert page.item("toread-FLT-1-mgr-a") is None
            assert page.item("toread-FLT-2-mgr-a") is not None
    finally:
        versions.close()
