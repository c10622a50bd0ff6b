"""Two hubs of one deployment keep one bulletin (``[bulletin] database = "workflow"``, the work-order database on
PostgreSQL): each hub's bulletin worker takes its share of the one ``bulletin`` queue, so a notice applied through
either is listed by both, with one agent's read marks the same on both; two workers applying revisions of one notice
at once keep the newest, and one message delivered to both is applied once (audit of several hubs on one
PostgreSQL: with a file per hub, NSP's six notices showed as a different three on each hub)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard
from hub.bulletin.copying import copy_board
from hub.config.bulletin import parse_bulletin
from tests.support.postgres_server import PostgresServer
from tests.unit.bulletin.test_board_editions import NID, fault

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def hubs(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[tuple[BulletinBoard, BulletinBoard]]:
    """The boards of two hubs, each with its own folder and ``[bulletin] path``, sharing ``[workflow] database``."""
    workflow = postgres_server.create_database()
    boards = []
    for name in ("hub-a", "hub-b"):
        (tmp_path / name).mkdir()
        settings = parse_bulletin({"database": "workflow"}, str(tmp_path / name / "hub.toml"), workflow)
        boards.append(BulletinBoard.from_settings(settings))
    yield boards[0], boards[1]
    for board in boards:
        board.close()
    assert not list(tmp_path.glob("*/onepoint-bulletin.db"))  # no hub kept a file of its own


def at_once(*calls: Callable[[], str]) -> list[str]:
    """Run ``calls`` on threads released together; their outcomes in order."""
    start, outcomes = threading.Barrier(len(calls)), [""] * len(calls)

    def run(k: int) -> None:
        start.wait()
        outcomes[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_notice_applied_through_one_hub_is_listed_by_the_other_with_the_same_read_marks(
        hubs: tuple[BulletinBoard, BulletinBoard], examples_dir: Path) -> None:
    a, b = hubs
    notices = [f"FLT-20261123-{n:04d}" for n in range(1, 7)]
    for k, notice_id in enumerate(notices):  # the queue's messages shared out between the two hubs' workers
        assert (a, b)[k % 2].post(f"m{k}", fault(examples_dir, notice_id=notice_id)) == "raised"
    for board in (a, b):
        assert sorted(e.notice.notice_id for e in board.entries("cs-0001")) == notices
        assert board.unread("cs-0001") == 6
    assert b.mark_read("cs-0001", notices[0]) is not None  # the agent's desk talks to hub b
    assert a.unread("cs-0001") == 5 and a.notice(notices[0]) is not None
    assert [e.unread for e in a.entries("cs-0001") if e.notice.notice_id == notices[0]] == [False]
    assert a.post("m6", fault(examples_dir, 2, notice_id=notices[0])) == "updated"
    assert [e.unread for e in b.entries("cs-0001") if e.notice.notice_id == notices[0]] == [True]
    assert a.applied() == b.applied() == 7


def test_two_hubs_applying_revisions_of_one_notice_at_once_keep_the_newest(
        hubs: tuple[BulletinBoard, BulletinBoard], examples_dir: Path) -> None:
    a, b = hubs
    for n in range(1, 21):
        notice_id = f"FLT-20261123-{n:04d}"
        if n % 2:  # raised before; else raised by the two revisions themselves
            a.post(f"r1-{n}", fault(examples_dir, 1, notice_id=notice_id))
        outcomes = at_once(partial(a.post, f"r2-{n}", fault(examples_dir, 2, notice_id=notice_id)),
                           partial(b.post, f"r3-{n}", fault(examples_dir, 3, notice_id=notice_id)))
        entry = b.notice(notice_id)
        assert entry is not None and entry.notice.revision == 3, (n, outcomes)
        changes = sum(outcome in ("raised", "updated") for outcome in outcomes) + n % 2
        assert entry.edition == changes, (n, outcomes)  # each change applied raised it once, none was lost


def test_one_message_delivered_to_both_hubs_is_applied_once(hubs: tuple[BulletinBoard, BulletinBoard],
                                                            examples_dir: Path) -> None:
    a, b = hubs
    a.post("m1", fault(examples_dir, 1))
    for n in range(2, 12):  # a redelivery taken by the other hub's worker while the first still applies it
        outcomes = at_once(partial(a.post, f"m{n}", fault(examples_dir, n)),
                           partial(b.post, f"m{n}", fault(examples_dir, n)))
        assert outcomes == ["updated", "updated"]  # the second: the outcome recorded by the first
    entry = a.notice(NID)
    assert entry is not None and (entry.notice.revision, entry.edition) == (11, 11)
    assert a.applied() == 11


def test_two_hubs_files_copied_into_the_shared_board_keep_the_newest(hubs: tuple[BulletinBoard, BulletinBoard],
                                                                      tmp_path: Path, examples_dir: Path) -> None:
    """``onepoint bulletin copy`` of each hub's file at the switch: both files' notices, the newer of two
    revisions, the read marks of the notice taken."""
    shared, _ = hubs
    files = []
    for name, revision in (("file-a", 1), ("file-b", 2)):
        board = BulletinBoard(tmp_path / f"{name}.db")
        board.post(f"{name}-1", fault(examples_dir, revision, notice_id=NID, title=f"revision {revision}"))
        board.post(f"{name}-2", fault(examples_dir, notice_id=f"FLT-20261123-{revision:04d}"))
        board.mark_read(f"cs-{name}", NID, edition=1)
        files.append(board)
    try:
        first, second = (copy_board(board.engine, shared.engine) for board in files)
        assert (first.copied, second.copied, second.kept) == (2, 2, 0)  # file b's revision 2 replaced file a's 1
        assert (copy_board(files[0].engine, shared.engine).kept, copy_board(files[1].engine, shared.engine).kept) \
            == (2, 2)
    finally:
        for board in files:
            board.close()
    entries = {e.notice.notice_id: e for e in shared.entries("cs-file-b")}
    assert sorted(entries) == ["FLT-20261123-0001", "FLT-20261123-0002", NID]
    assert entries[NID].notice.title == "revision 2" and not entries[NID].unread
