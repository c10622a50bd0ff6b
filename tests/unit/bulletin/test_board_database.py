"""``[bulletin] database``: where the board is kept. "" (the default) is the SQLite file at ``[bulletin] path`` as
before; "workflow" is the work-order database (``[workflow] database``), a URL that database; a deployment of several
hubs sets one of the latter so every hub lists every notice (tests/integration/test_bulletin_shared_by_hubs.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bulletin import BulletinBoard
from hub.config.settings import ConfigError, HubSettings, load_settings
from hub.system.start_errors import start_failure
from tests.unit.bulletin.test_board_editions import NID, fault

pytestmark = pytest.mark.unit

POSTGRES = "postgresql+psycopg://hub:s3cret@db.example/onepoint"


def settings(tmp_path: Path, text: str) -> HubSettings:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return load_settings(path)


def test_the_default_is_the_file_at_path(tmp_path: Path) -> None:
    hub = settings(tmp_path, "[bulletin]\nreaders = [\"CS\"]\n")
    assert (hub.bulletin.database, hub.bulletin.url) == ("", None)
    assert hub.bulletin.path == tmp_path / "onepoint-bulletin.db"


def test_workflow_names_the_work_order_database(tmp_path: Path) -> None:
    hub = settings(tmp_path, f'[bulletin]\ndatabase = "workflow"\n[workflow]\ndatabase = "{POSTGRES}"\n')
    assert hub.bulletin.url == hub.workflow.database == POSTGRES
    hub = settings(tmp_path, '[bulletin]\ndatabase = "workflow"\n')  # a SQLite work-order file, beside the settings
    assert hub.bulletin.url == f"sqlite:///{tmp_path / 'onepoint-workorders.db'}"


def test_a_url_is_that_database(tmp_path: Path) -> None:
    assert settings(tmp_path, f'[bulletin]\ndatabase = "{POSTGRES}"\n').bulletin.url == POSTGRES


@pytest.mark.parametrize(("value", "said"), [
    ('"memory"', 'bulletin.database must be "" (the SQLite file at bulletin.path), "workflow"'),
    ('"mysql://db/x"', 'bulletin.database must be "" (the SQLite file at bulletin.path), "workflow"'),
    ('"postgresql+asyncpg://db/x"', "use postgresql+psycopg://"),
    ("1", 'bulletin.database must be ""'),
])
def test_another_value_is_refused_naming_the_key(tmp_path: Path, value: str, said: str) -> None:
    with pytest.raises(ConfigError, match=r"bulletin\.database") as caught:
        settings(tmp_path, f"[bulletin]\ndatabase = {value}\n")
    assert said in str(caught.value)


def test_the_board_is_kept_in_the_database_named_not_at_path(tmp_path: Path, examples_dir: Path) -> None:
    shared = tmp_path / "shared.db"
    hub = settings(tmp_path, f'[bulletin]\ndatabase = "sqlite:///{shared}"\n')
    first, second = BulletinBoard.from_settings(hub.bulletin), BulletinBoard.from_settings(hub.bulletin)
    try:
        assert first.post("m1", fault(examples_dir)) == "raised"
        assert [e.notice.notice_id for e in second.entries("cs-0001")] == [NID]
    finally:
        first.close()
        second.close()
    assert shared.exists() and not hub.bulletin.path.exists()


def test_a_shared_bulletin_that_cannot_be_opened_names_its_setting(tmp_path: Path) -> None:
    hub = settings(tmp_path, f'[bulletin]\ndatabase = "workflow"\n[workflow]\ndatabase = "{POSTGRES}"\n')
    error = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused\nIs the server running?"))
    assert start_failure(hub, "bulletin", error) == (
        f'{hub.source}: cannot start the bulletin worker: [bulletin] database = "workflow" ([workflow] database) '
        "postgresql+psycopg://hub:***@db.example/onepoint: Exception: connection refused")
    hub = replace(hub, bulletin=replace(hub.bulletin, database=POSTGRES))
    assert start_failure(hub, "bulletin", error).endswith(
        "[bulletin] database postgresql+psycopg://hub:***@db.example/onepoint: Exception: connection refused")


@pytest.mark.parametrize("folder", ["reports?2026", "ops%41", "a b#c"])
def test_a_board_file_is_where_its_path_says_whatever_the_characters(tmp_path: Path, folder: str) -> None:
    """The path is a file name, not URL syntax: a folder ``reports?2026`` put the board in ``reports`` of the
    parent folder (the rest read as a query), ``ops%41`` was decoded and could not be opened."""
    place = tmp_path / folder
    place.mkdir()
    board = BulletinBoard(place / "board.db")
    try:
        assert board.page("cs-0001").entries == []
    finally:
        board.close()
    assert (place / "board.db").is_file() and sorted(p.name for p in tmp_path.iterdir()) == [folder]
