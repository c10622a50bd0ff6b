"""The board's file: one made before editions (the layout below, as hub/bulletin/board.py created it) is upgraded
in place with its notices and reads kept; the reads of a notice are found by index; retention drops cleared
notices in small transactions that let a waiting writer in between two."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard
from hub.bulletin.schema import SCHEMA_VERSION, NewerBulletinFile
from tests.unit.bulletin.test_board_editions import NID, fault

pytestmark = pytest.mark.unit

BEFORE_EDITIONS = (  # the tables of a board file made before editions (user_version 0)
    """CREATE TABLE IF NOT EXISTS notices (
        notice_id  TEXT PRIMARY KEY,
        revision   INTEGER NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CLEARED')),
        notice     TEXT NOT NULL,
        raised_at  REAL NOT NULL,
        updated_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS notice_areas (
        notice_id TEXT NOT NULL, area_code TEXT NOT NULL, PRIMARY KEY (notice_id, area_code))""",
    """CREATE TABLE IF NOT EXISTS notice_reads (
        agent TEXT NOT NULL, notice_id TEXT NOT NULL, revision INTEGER NOT NULL, read_at REAL NOT NULL,
        PRIMARY KEY (agent, notice_id))""",
    """CREATE TABLE IF NOT EXISTS applied_messages (
        message_id TEXT PRIMARY KEY, notice_id TEXT NOT NULL, outcome TEXT NOT NULL, applied_at REAL NOT NULL)""",
)


def notice_row(examples_dir: Path, notice_id: str, revision: int, status: str, at: float) -> tuple[object, ...]:
    notice = fault(examples_dir, revision, notice_id=notice_id, status=status)
    fields = {"notice_id": notice.notice_id, "revision": notice.revision, "kind": notice.kind,
              "title": notice.title, "status": notice.status,
              "areas": [{"code": a.code, "district": a.district} for a in notice.areas],
              "services": list(notice.services), "start": notice.start,
              "customer_wording": notice.customer_wording, "sending_department": notice.sending_department,
              "contact": notice.contact, "contact_phone": notice.contact_phone,
              "adjustment_kind": notice.adjustment_kind, "expected_end": notice.expected_end,
              "cleared_at": notice.cleared_at, "content": notice.content, "revision_given": True}
    return notice_id, revision, status, json.dumps(fields, ensure_ascii=False), at, at


def made_before_editions(path: Path, examples_dir: Path) -> None:
    db = sqlite3.connect(path)
    for statement in BEFORE_EDITIONS:
        db.execute(statement)
    now = time.time()
    db.executemany("INSERT INTO notices VALUES (?, ?, ?, ?, ?, ?)", [
        notice_row(examples_dir, NID, 2, "ACTIVE", now - 60),
        notice_row(examples_dir, "FLT-20261123-0008", 1, "CLEARED", now - 30)])
    db.executemany("INSERT INTO notice_areas VALUES (?, ?)", [(NID, "0755"), ("FLT-20261123-0008", "0755")])
    db.executemany("INSERT INTO notice_reads VALUES (?, ?, ?, ?)", [
        ("cs-read", NID, 2, now), ("cs-older", NID, 1, now)])
    db.execute("INSERT INTO applied_messages VALUES ('m-old', ?, 'updated', ?)", (NID, now))
    db.commit()
    db.close()


def test_a_file_made_before_editions_is_upgraded_in_place(tmp_path: Path, examples_dir: Path) -> None:
    path = tmp_path / "bulletin.db"
    made_before_editions(path, examples_dir)
    board = BulletinBoard(path)
    try:
        assert {e.notice.notice_id: (e.unread, e.edition) for e in board.entries("cs-read", include_cleared=True)} \
            == {NID: (False, 2), "FLT-20261123-0008": (True, 1)}
        assert board.entries("cs-older")[0].unread  # read revision 1 of revision 2
        assert board.post("m-old", fault(examples_dir, 3)) == "updated"  # the record kept: no effect
        assert board.post("m-corr", fault(examples_dir, 2, title="corrected")) == "updated"
        (entry,) = board.entries("cs-read")
        assert (entry.unread, entry.edition, entry.notice.title) == (True, 3, "corrected")
        mark = board.mark_read("cs-read", NID, edition=entry.edition)
        assert mark is not None and not mark.unread
    finally:
        board.close()
    from hub.bulletin.schema import SCHEMA_VERSION  # absent before the upgrade

    again = BulletinBoard(path)  # upgraded once: opening it again changes nothing
    try:
        assert [(e.unread, e.edition) for e in again.entries("cs-read")] == [(False, 3)]
    finally:
        again.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "edition" in {row[1] for row in db.execute("PRAGMA table_info(notice_reads)")}
    db.close()


def test_the_reads_of_a_notice_are_found_by_index(tmp_path: Path, examples_dir: Path) -> None:
    for name, made_before in (("new.db", False), ("old.db", True)):
        path = tmp_path / name
        if made_before:
            made_before_editions(path, examples_dir)
        BulletinBoard(path).close()
        db = sqlite3.connect(path)
        plan = " ".join(str(row[-1]) for row in db.execute(
            "EXPLAIN QUERY PLAN DELETE FROM notice_reads WHERE notice_id = ?", (NID,)))
        db.close()
        assert "USING INDEX notice_reads_by_notice" in plan or "USING COVERING INDEX notice_reads_by_notice" in plan, \
            (name, plan)


def test_retention_goes_in_batches_and_lets_a_writer_in_between(tmp_path: Path, examples_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.bulletin import retention  # absent before batches

    path = tmp_path / "bulletin.db"
    board = BulletinBoard(path, keep_cleared=100.0, keep_messages=100.0, prune_every=1e12, prune_batch=2)
    try:
        for n in range(1, 6):
            notice_id = f"FLT-20261123-{n:04d}"
            board.post(f"r{n}", fault(examples_dir, notice_id=notice_id))
            board.mark_read("cs-0001", notice_id)
            board.post(f"c{n}", fault(examples_dir, notice_id=notice_id, status="CLEARED"))
        board.post("kept", fault(examples_dir))
        board.mark_read("cs-0001", NID)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)  # no busy wait: refused while locked
        written: list[str] = []

        def between_batches(_: float) -> None:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE notice_reads SET read_at = read_at WHERE notice_id = ?", (NID,))
            other.execute("COMMIT")
            written.append("written")

        monkeypatch.setattr(retention, "sleep", between_batches)
        assert board.prune(time.time() + 101) == (5, 11)
        other.close()
        assert len(written) == 9  # after each batch: three of notices (2, 2, 1), six of messages (2 each, 1)
        assert [e.notice.notice_id for e in board.entries("cs-0001", include_cleared=True)] == [NID]
        db = sqlite3.connect(path)
        assert db.execute("SELECT notice_id FROM notice_reads").fetchall() == [(NID,)]
        db.close()
    finally:
        board.close()


def test_prune_cleared_drops_nothing_within_the_retention(tmp_path: Path, examples_dir: Path) -> None:
    from hub.bulletin.retention import prune_cleared  # absent before batches

    board = BulletinBoard(tmp_path / "bulletin.db")
    db = sqlite3.connect(tmp_path / "bulletin.db", isolation_level=None)
    try:
        board.post("c", fault(examples_dir, status="CLEARED"))
        assert prune_cleared(db, cleared_before=0.0, applied_before=0.0, pause=0.0) == (0, 0)
        assert len(board.entries("cs-0001", include_cleared=True)) == 1
    finally:
        db.close()
        board.close()


def test_a_file_of_a_newer_release_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    """A newer release's file (a higher user_version) is neither read nor written by this one: an older release on a
    newer file failed every read and applied notices without their editions (audit of upgrades)."""
    path = tmp_path / "bulletin.db"
    BulletinBoard(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(NewerBulletinFile, match=rf"schema version {SCHEMA_VERSION + 1}, newer than this release's"):
        BulletinBoard(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()
