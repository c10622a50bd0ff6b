"""The bulletin board on PostgreSQL (``[bulletin] database``): the board's behaviour as on its SQLite file (the
unit tests of tests/unit/bulletin that take a ``board``, run here on a board in PostgreSQL), its retention, and a
writer kept waiting beyond the busy timeout refused as ``BoardBusy`` (the API's 503 ``bulletin-busy``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bulletin import BoardBusy, BulletinBoard, parse_outage_notice
from hub.bulletin.database import lock_notice
from tests.support.postgres_server import PostgresServer
from tests.unit.bulletin.test_board import (
    test_a_message_id_takes_effect_once,
    test_area_filter_matches_any_affected_area,
    test_raised_updated_cleared_by_notice_id_and_revision,
    test_the_consumer_posts_each_notice_once_and_dead_letters_an_inconsistent_one,
    test_the_same_revision_again_changes_nothing_unless_its_content_changed,
    test_unread_per_agent_until_read_and_again_after_an_update,
)
from tests.unit.bulletin.test_board_audit import fault as fault_document
from tests.unit.bulletin.test_board_audit import (
    test_a_clearance_without_revision_clears_the_revised_notice,
    test_entries_come_in_pages,
    test_the_agent_marks_read_the_revision_shown,
)
from tests.unit.bulletin.test_board_clearance_order import (
    test_a_revision_sent_after_the_clearance_reopens_the_notice,
    test_a_revision_sent_before_the_clearance_it_came_after_does_not_reopen_the_notice,
)
from tests.unit.bulletin.test_board_editions import (
    NID,
    fault,
    test_a_pass_through_the_pages_shows_each_notice_once_while_notices_are_revised,
    test_a_read_of_the_revision_shown_leaves_a_correction_at_that_revision_unread,
    test_each_change_applied_is_a_new_edition,
    test_the_original_sent_before_its_correction_does_not_overwrite_it,
    test_the_unread_count_is_the_agents_under_the_filter_not_the_pages,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

CONTRACT = (  # the board's behaviour, the same on PostgreSQL as on SQLite (collected here with this `board`)
    test_a_message_id_takes_effect_once,
    test_area_filter_matches_any_affected_area,
    test_raised_updated_cleared_by_notice_id_and_revision,
    test_the_consumer_posts_each_notice_once_and_dead_letters_an_inconsistent_one,
    test_the_same_revision_again_changes_nothing_unless_its_content_changed,
    test_unread_per_agent_until_read_and_again_after_an_update,
    test_a_clearance_without_revision_clears_the_revised_notice,
    test_entries_come_in_pages,
    test_the_agent_marks_read_the_revision_shown,
    test_a_pass_through_the_pages_shows_each_notice_once_while_notices_are_revised,
    test_a_read_of_the_revision_shown_leaves_a_correction_at_that_revision_unread,
    test_each_change_applied_is_a_new_edition,
    test_the_original_sent_before_its_correction_does_not_overwrite_it,
    test_the_unread_count_is_the_agents_under_the_filter_not_the_pages,
    test_a_revision_sent_before_the_clearance_it_came_after_does_not_reopen_the_notice,
    test_a_revision_sent_after_the_clearance_reopens_the_notice,
)


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture
def board(database: str, tmp_path: Path) -> Iterator[BulletinBoard]:
    opened = BulletinBoard(tmp_path / "unused.db", url=database)
    yield opened
    opened.close()


def test_the_tables_are_in_postgresql_and_no_file_is_made(board: BulletinBoard, tmp_path: Path) -> None:
    assert board.engine.dialect.name == "postgresql"
    assert {"notices", "notice_areas", "notice_reads", "notice_editions", "applied_messages"} <= set(
        sa.inspect(board.engine).get_table_names())
    assert not (tmp_path / "unused.db").exists()


def test_retention_drops_cleared_notices_and_old_message_records(database: str, tmp_path: Path,
                                                                  examples_dir: Path) -> None:
    board = BulletinBoard(tmp_path / "unused.db", keep_cleared=100.0, keep_messages=100.0, prune_every=1e12,
                          prune_batch=2, url=database)
    try:
        for n in range(1, 4):
            board.post(f"r{n}", fault(examples_dir, notice_id=f"FLT-20261123-{n:04d}"))
            board.mark_read("cs-0001", f"FLT-20261123-{n:04d}")
            board.post(f"c{n}", fault(examples_dir, notice_id=f"FLT-20261123-{n:04d}", status="CLEARED"))
        board.post("kept", fault(examples_dir))
        assert board.prune(time.time() + 50) == (0, 0)  # within the retention
        assert board.prune(time.time() + 101) == (3, 7)
        assert [e.notice.notice_id for e in board.entries("cs-0001", include_cleared=True)] == [NID]
        assert board.applied() == 0
    finally:
        board.close()


def test_a_writer_kept_waiting_beyond_the_busy_timeout_is_board_busy(database: str, tmp_path: Path,
                                                                    examples_dir: Path) -> None:
    board = BulletinBoard(tmp_path / "unused.db", busy_timeout_ms=200, url=database)
    other = sa.create_engine(database)
    try:
        board.post("m1", fault(examples_dir))
        with other.begin() as holder:  # another hub's worker applying this notice
            lock_notice(holder, NID)
            with pytest.raises(BoardBusy, match="the notice was not applied"):
                board.post("m2", fault(examples_dir, 2))
            with pytest.raises(BoardBusy, match="the read mark was not recorded"):
                board.mark_read("cs-0001", NID)
            assert [e.notice.revision for e in board.entries("cs-0001")] == [1]  # readers are not held up
        with other.begin() as holder:  # retention, or any writer holding the reads
            holder.execute(sa.text("LOCK TABLE notice_reads IN EXCLUSIVE MODE"))
            with pytest.raises(BoardBusy, match="the read mark was not recorded"):
                board.mark_read("cs-0001", NID)
        assert board.post("m2", fault(examples_dir, 2)) == "updated"  # nothing was written: applied now
        mark = board.mark_read("cs-0001", NID)
        assert mark is not None and (mark.edition, mark.unread) == (2, False)
    finally:
        other.dispose()
        board.close()


def test_the_consumer_document_is_read_as_on_sqlite(board: BulletinBoard, examples_dir: Path) -> None:
    assert board.post("m1", parse_outage_notice(fault_document(examples_dir, 1))) == "raised"
    entry = board.notice("FLT-20261123-0007")
    assert entry is not None and (entry.edition, entry.unread) == (1, False)
    assert board.notice("FLT-20261123-9999") is None
