"""``onepoint oa copy --from FILE``: a hub's OA records file carried into the shared records of ``[workers]
processed_store`` (a database of the session's private PostgreSQL cluster), so a late older revision pushes
nothing after the switch, a to-do the old hub closed stays closed, an item's push is taken over at once; a notice
the shared records hold is kept; a file of the first schema is read as it is; copying twice changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.oa import (
    ClosedItemsFile,
    NoticeBookFile,
    NoticeVersion,
    PostgresClosedItems,
    PostgresNoticeBook,
    ToReadVersions,
)
from hub.cli.main import main
from tests.support.postgres_server import PostgresServer
from tests.unit.adapters.oa.test_oa_notice_file import first_schema_file

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ACTIVE_R1, CLEARED_R2, ACTIVE_R3 = NoticeVersion(1, False), NoticeVersion(2, True), NoticeVersion(3, False)
ITEM = "toread-FLT-1-mgr-a"


@pytest.fixture
def shared(postgres_server: PostgresServer) -> str:
    return str(postgres_server.create_database())


def settings(tmp_path: Path, url: str | None) -> Path:
    path = tmp_path / "hubs.toml"
    path.write_text(f'[workers]\nprocessed_store = "{url}"\n' if url else "", encoding="utf-8")
    return path


def copy(source: Path, config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["oa", "copy", "--from", str(source), "--config", str(config)])
    return result.exit_code, result.output


def old_hubs_file(path: Path) -> None:
    """Notice FLT-1 cleared at revision 2, its to-read item's push of revision 2 under way when the hub stopped (the
    lease of its dead worker left in the file, an hour long); one closed to-do."""
    versions = ToReadVersions(book=NoticeBookFile(path), lease_seconds=3600.0)
    try:
        versions.offer("FLT-1", ACTIVE_R1, "r1", "m-r1", managers=("mgr-a",), announce=lambda user: (ITEM, "r1"))
        versions.offer("FLT-1", CLEARED_R2, "r2", "m-r2", managers=("mgr-a",), announce=lambda user: (ITEM, "r2"))
        assert versions.pushing(ITEM, "r2").__enter__()  # the worker died pushing it: its lease stays
    finally:
        versions.close()
    closed = ClosedItemsFile(path)
    closed.record("WO20261123A7K2M9Q1-dsp1")
    closed.close()


def test_the_records_go_along_and_the_new_hubs_judge_against_them(tmp_path: Path, shared: str) -> None:
    old_hubs_file(tmp_path / "onepoint-oa-notices.db")
    code, output = copy(tmp_path / "onepoint-oa-notices.db", settings(tmp_path, shared))
    assert code == 0, output
    assert "1 notice version(s) copied with 1 to-read item(s), 0 kept" in output and "1 closed item(s)" in output

    versions = ToReadVersions(book=PostgresNoticeBook(shared))
    closed = PostgresClosedItems(shared)
    try:
        assert versions.kept_revision("FLT-1") == 2
        assert versions.offer("FLT-1", ACTIVE_R1, "r1", "m-late").verdict == "stale"  # a late revision 1
        with versions.pushing(ITEM, "r1") as wanted:
            assert not wanted  # revision 1's push, redelivered: OA is to show revision 2
        with versions.pushing(ITEM, "r2") as wanted:
            assert wanted  # taken over at once: the dead worker's hour-long lease did not come along
        with versions.pushing(ITEM, "r2") as wanted:
            assert not wanted  # pushed
        assert closed.is_closed("WO20261123A7K2M9Q1-dsp1")
    finally:
        versions.close()
        closed.close()

    code, output = copy(tmp_path / "onepoint-oa-notices.db", settings(tmp_path, shared))  # again: nothing changes
    assert code == 0 and "0 notice version(s) copied with 0 to-read item(s), 1 kept" in output
    assert "0 closed item(s)" in output


def test_a_notice_the_shared_records_hold_is_kept(tmp_path: Path, shared: str) -> None:
    old_hubs_file(tmp_path / "onepoint-oa-notices.db")
    newer = ToReadVersions(book=PostgresNoticeBook(shared))
    try:
        newer.offer("FLT-1", ACTIVE_R3, "r3", "m-r3")  # a hub on the shared records saw revision 3 since
        copy(tmp_path / "onepoint-oa-notices.db", settings(tmp_path, shared))
        assert newer.kept_revision("FLT-1") == 3
    finally:
        newer.close()


def test_a_file_of_the_first_schema_is_copied_as_it_is(tmp_path: Path, shared: str) -> None:
    first_schema_file(tmp_path / "old.db")
    code, output = copy(tmp_path / "old.db", settings(tmp_path, shared))
    assert code == 0 and "1 notice version(s) copied with 0 to-read item(s)" in output, output
    versions = ToReadVersions(book=PostgresNoticeBook(shared))
    try:
        assert versions.kept_revision("FLT-1") == 2
    finally:
        versions.close()


def test_without_a_shared_database_or_with_another_file_nothing_is_copied(tmp_path: Path, shared: str) -> None:
    old_hubs_file(tmp_path / "onepoint-oa-notices.db")
    code, output = copy(tmp_path / "onepoint-oa-notices.db", settings(tmp_path, None))
    assert code == 1 and "[workers] processed_store is not set" in output
    (tmp_path / "other.db").write_bytes(b"")
    code, output = copy(tmp_path / "other.db", settings(tmp_path, shared))
    assert code == 1 and "holds no OA records" in output


def test_a_file_of_many_notices_is_copied_in_batches_and_a_second_run_changes_nothing(
        tmp_path: Path, shared: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A transaction per BATCH notices (each takes its notice's and its items' locks: thousands in one transaction
    ran PostgreSQL out of shared memory); a copy broken off midway is finished by running it again."""
    import adapters.oa.copying

    monkeypatch.setattr(adapters.oa.copying, "BATCH", 2)
    path = tmp_path / "onepoint-oa-notices.db"
    versions = ToReadVersions(book=NoticeBookFile(path))
    try:
        for n in range(5):
            versions.offer(f"FLT-{n}", ACTIVE_R1, "r1", f"m-{n}", managers=("mgr-a", "mgr-b"),
                           announce=lambda user, n=n: (f"toread-FLT-{n}-{user}", "r1"))  # type: ignore[misc]
    finally:
        versions.close()
    code, output = copy(path, settings(tmp_path, shared))
    assert code == 0 and "5 notice version(s) copied with 10 to-read item(s), 0 kept" in output, output
    code, output = copy(path, settings(tmp_path, shared))
    assert code == 0 and "0 notice version(s) copied with 0 to-read item(s), 5 kept" in output, output
