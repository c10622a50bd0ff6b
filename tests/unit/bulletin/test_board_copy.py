"""``onepoint bulletin copy``: switching a hub to a shared board ([bulletin] database) carries its file's notices
and read marks over, keeps what the shared board holds newer, and does nothing the second time. Before, switching
started the agents' bulletin empty until NSP sent each active notice again."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.bulletin import BulletinBoard
from hub.bulletin.copying import copy_board
from hub.cli.main import main
from tests.unit.bulletin.test_board_editions import fault

pytestmark = pytest.mark.unit

A, B = "FLT-20261123-0001", "FLT-20261123-0002"


def hub_file(tmp_path: Path, examples_dir: Path) -> Path:
    """A hub's file: A at revision 2 (three editions), read by cs-0001; B at revision 1."""
    path = tmp_path / "hub1" / "onepoint-bulletin.db"
    path.parent.mkdir()
    board = BulletinBoard(path)
    board.post("a1", fault(examples_dir, 1, notice_id=A))
    board.post("a2", fault(examples_dir, 1, notice_id=A, title="corrected"))
    board.post("a3", fault(examples_dir, 2, notice_id=A, area="020"))
    board.post("b1", fault(examples_dir, 1, notice_id=B))
    board.mark_read("cs-0001", A, edition=3)
    board.close()
    return path


def test_the_files_notices_and_read_marks_go_over_and_newer_ones_stay(tmp_path: Path, examples_dir: Path) -> None:
    source = BulletinBoard(hub_file(tmp_path, examples_dir))
    shared = BulletinBoard(tmp_path / "unused", url=f"sqlite:///{tmp_path / 'shared.db'}")
    shared.post("b9", fault(examples_dir, 3, notice_id=B, title="revision 3 from another hub"))
    try:
        report = copy_board(source.engine, shared.engine)
        assert (report.copied, report.kept, report.reads, report.messages) == (1, 1, 1, 4)
        entries = {e.notice.notice_id: e for e in shared.entries("cs-0001")}
        assert (entries[A].edition, entries[A].unread, entries[A].notice.revision) == (3, False, 2)
        assert [a.code for a in entries[A].notice.areas] == ["020"]
        assert entries[B].notice.title == "revision 3 from another hub" and entries[B].unread
        assert shared.post("a3", fault(examples_dir, 2, notice_id=A, area="020")) == "updated"  # recorded: no change
        assert {e.notice.notice_id: e.edition for e in shared.entries("cs-0001")}[A] == 3
        again = copy_board(source.engine, shared.engine)
        assert (again.copied, again.kept, again.messages) == (0, 2, 0)
    finally:
        source.close()
        shared.close()


def test_the_command_copies_into_the_configured_board_and_refuses_without_one(tmp_path: Path,
                                                                             examples_dir: Path) -> None:
    source = hub_file(tmp_path, examples_dir)
    config = tmp_path / "hub.toml"
    config.write_text(f'[bulletin]\ndatabase = "sqlite:///{tmp_path / "shared.db"}"\n', "utf-8")
    done = CliRunner().invoke(main, ["bulletin", "copy", "--from", str(source), "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert "2 notice(s) copied with 1 read mark(s), 0 kept" in done.output
    shared = BulletinBoard(tmp_path / "unused", url=f"sqlite:///{tmp_path / 'shared.db'}")
    try:
        assert sorted(e.notice.notice_id for e in shared.entries("cs-0001")) == [A, B]
    finally:
        shared.close()
    config.write_text("[bulletin]\n", "utf-8")
    refused = CliRunner().invoke(main, ["bulletin", "copy", "--from", str(source), "--config", str(config)])
    assert refused.exit_code == 1 and "[bulletin] database is not set" in refused.output


def test_a_newer_revision_from_another_file_is_unread_for_who_read_the_older(tmp_path: Path,
                                                                            examples_dir: Path) -> None:
    """Editions count per board: hub 1's file has N at revision 1 (edition 1) read by a1, hub 2's at revision 2,
    also edition 1. Copied in that order, a1 had revision 2 shown as read (the audit's order-dependent result)."""
    files = []
    for number, revision in ((1, 1), (2, 2)):
        board = BulletinBoard(tmp_path / f"hub{number}.db")
        board.post(f"h{number}", fault(examples_dir, revision, notice_id=A))
        if number == 1:
            board.mark_read("a1", A, edition=1)
        files.append(board)
    shared = BulletinBoard(tmp_path / "unused", url=f"sqlite:///{tmp_path / 'shared.db'}")
    try:
        for board in files:
            copy_board(board.engine, shared.engine)
        (entry,) = shared.entries("a1")
        assert (entry.notice.revision, entry.unread) == (2, True) and entry.edition == 2
    finally:
        for board in [*files, shared]:
            board.close()


def test_a_wrong_file_is_neither_written_nor_copied(tmp_path: Path) -> None:
    """``--from`` the work-order database beside it (or any other file): refused in one line, left as it was."""
    other = tmp_path / "onepoint-workorders.db"
    other.write_bytes(b"")
    config = tmp_path / "hub.toml"
    config.write_text(f'[bulletin]\ndatabase = "sqlite:///{tmp_path / "shared.db"}"\n', "utf-8")
    refused = CliRunner().invoke(main, ["bulletin", "copy", "--from", str(other), "--config", str(config)])
    assert refused.exit_code == 1 and "is no bulletin file" in refused.output
    assert other.read_bytes() == b"" and "Traceback" not in refused.output


def test_a_shared_board_out_of_reach_is_one_line(tmp_path: Path, examples_dir: Path) -> None:
    source = hub_file(tmp_path, examples_dir)
    config = tmp_path / "hub.toml"
    config.write_text('[bulletin]\ndatabase = "sqlite:////no/such/folder/shared.db"\n', "utf-8")
    refused = CliRunner().invoke(main, ["bulletin", "copy", "--from", str(source), "--config", str(config)])
    assert refused.exit_code == 1 and "cannot open the shared board, [bulletin] database" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
