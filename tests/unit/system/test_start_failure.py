"""Why a worker of the system did not start, in one line: a database of the settings that cannot be opened is named
with its setting and file, a missing folder is said, SQLAlchemy's "Background on this error" line is dropped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.config.settings import HubSettings, load_settings
from hub.system.start_errors import start_failure

pytestmark = pytest.mark.unit


def settings(tmp_path: Path, text: str) -> HubSettings:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return load_settings(path)


def sqlalchemy_error(url: str) -> sa.exc.SQLAlchemyError:
    with pytest.raises(sa.exc.SQLAlchemyError, match="Background on this error") as caught:
        sa.create_engine(url).connect()
    return caught.value


def test_a_workflow_database_in_a_missing_folder_names_the_setting_and_the_file(tmp_path: Path) -> None:
    database = tmp_path / "missing-volume" / "wo.db"
    hub = settings(tmp_path, f'[workflow]\ndatabase = "{database}"\n')
    line = start_failure(hub, "workflow", sqlalchemy_error(f"sqlite:///{database}"))
    assert line == (f"{hub.source}: cannot start the workflow worker: [workflow] database {database}: the folder "
                    f"{database.parent} does not exist (OperationalError: unable to open database file)")


def test_a_bulletin_in_a_missing_folder_names_the_setting_and_the_file(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "missing-volume" / "bulletin.db"
    hub = settings(tmp_path, f'[bulletin]\npath = "{path}"\n')
    with pytest.raises(sqlite3.OperationalError) as caught:
        sqlite3.connect(path)
    assert start_failure(hub, "bulletin", caught.value) == (
        f"{hub.source}: cannot start the bulletin worker: [bulletin] path {path}: the folder {path.parent} does not "
        "exist (OperationalError: unable to open database file)")


def test_a_postgresql_url_is_shown_without_its_password(tmp_path: Path) -> None:
    hub = settings(tmp_path, "")
    hub = replace(hub, workflow=replace(hub.workflow, database="postgresql+psycopg://hub:s3cret@db.example/op"))
    error = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused\nIs the server running?"))
    line = start_failure(hub, "workflow", error)
    assert line == (f"{hub.source}: cannot start the workflow worker: [workflow] database "
                    "postgresql+psycopg://hub:***@db.example/op: Exception: connection refused")


def test_another_failure_keeps_its_type_and_first_line(tmp_path: Path) -> None:
    hub = settings(tmp_path, "")
    assert start_failure(hub, "boss", LookupError("boss WSDL unreadable\n(Background on this error at: x)")) == (
        "cannot start the boss worker: LookupError: boss WSDL unreadable")


def test_an_adapters_processed_store_names_its_setting_without_the_password(tmp_path: Path) -> None:
    """Before: "cannot start the oa worker: OperationalError: connection failed ..." naming no setting."""
    hub = settings(tmp_path, '[workers]\nprocessed_store = "postgresql+psycopg://hub:s3cret@db.example:5432/op"\n')
    error = sa.exc.OperationalError("SELECT 1", {}, Exception("connection failed: Connection refused"))
    line = start_failure(hub, "oa", error)
    assert line == (f"{hub.source}: cannot start the oa worker: [workers] processed_store "
                    "postgresql+psycopg://hub:***@db.example:5432/op: Exception: connection failed: Connection refused")
