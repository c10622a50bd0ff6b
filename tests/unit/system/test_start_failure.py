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


def test_a_refused_data_file_keeps_every_problem(tmp_path: Path) -> None:
    """Before: "cannot start the workflow worker: DataFileError: …/sla.toml: 2 problem(s)" and nothing else."""
    from hub.workflow.datafile import DataFileError

    hub = settings(tmp_path, "")
    error = DataFileError("/etc/onepoint/sla.toml", [("tiers.PREPAID.priority", "must be 1-9, got 12"),
                                                     ("unknown_tier.reply", "'24x' is not a duration")])
    assert start_failure(hub, "workflow", error) == (
        "cannot start the workflow worker: DataFileError: /etc/onepoint/sla.toml: 2 problem(s)\n"
        "  - tiers.PREPAID.priority: must be 1-9, got 12\n  - unknown_tier.reply: '24x' is not a duration")


def test_a_data_file_with_one_problem_is_one_line_naming_it(tmp_path: Path) -> None:
    """Before: "…/calendars.toml: 1 problem(s)", the reason (cannot read) cut off."""
    from hub.workflow.calendars import load_calendars
    from hub.workflow.datafile import DataFileError

    missing = tmp_path / "no-such-calendars.toml"
    with pytest.raises(DataFileError) as caught:
        load_calendars(missing)
    assert start_failure(settings(tmp_path, ""), "workflow", caught.value) == (
        f"cannot start the workflow worker: DataFileError: {missing}: cannot read: No such file or directory")


def test_a_refused_taxonomy_keeps_every_problem(tmp_path: Path) -> None:
    from hub.workflow.taxonomy import Problem, TaxonomyError

    error = TaxonomyError([Problem("categories.toml", "01.02.03x", "bad code"),
                           Problem("fields.toml", "targets.NMC.system", "unknown system 'NPS'")])
    line = start_failure(settings(tmp_path, ""), "workflow", error)
    assert line.splitlines() == ["cannot start the workflow worker: TaxonomyError: 2 problem(s) in the complaint "
                                 "taxonomy:", "  categories.toml: 01.02.03x: bad code",
                                 "  fields.toml: targets.NMC.system: unknown system 'NPS'"]
