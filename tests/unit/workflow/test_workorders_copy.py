"""``onepoint workorders copy --from FILE``: a hub's SQLite work-order file carried whole into the work-order
database of the settings (here another SQLite file; on PostgreSQL: tests/integration/workflow/
test_workorders_copy_to_postgres.py), refused into a database that holds rows, from a file a hub still runs on
(whatever it runs: its ``<file>.hub-lock``), or at another schema revision — nothing copied then. The file is read
in one snapshot; a row the target refuses is named."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.store.copying import copy_database, read_only
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.hub_lock import StoreBeingCopied, no_hub_running_on
from hub.workflow.store.migrate import _config, head_revision
from hub.workflow.store.schema import VERSION_TABLE, deadlines, work_order_events, work_orders
from tests.unit.workflow.copy_kit import FilledSource, counts, fill_source, workflow_client
from tests.unit.workflow.kit import START
from tests.unit.workflow.listener_kit import create
from tests.unit.workflow.test_short_texts_kept_whole import DISTRICT

pytestmark = pytest.mark.unit


@pytest.fixture
def source(tmp_path: Path) -> FilledSource:
    return fill_source(tmp_path / "old-hub.db")


@pytest.fixture
def copy_target(tmp_path: Path) -> str:
    """The work-order database copied into: a new SQLite file here."""
    return f"sqlite:///{tmp_path / 'shared.db'}"


def settings_naming(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hubs.toml"
    path.write_text(f'[workflow]\ndatabase = "{url}"\n', encoding="utf-8")
    return path


def copy(source: Path, config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["workorders", "copy", "--from", str(source), "--config", str(config)])
    return result.exit_code, result.output


def test_every_row_is_copied_and_the_hub_goes_on_there(source: FilledSource, tmp_path: Path,
                                                        copy_target: str) -> None:
    target_url = copy_target
    code, output = copy(source.path, settings_naming(tmp_path, target_url))
    assert code == 0, output
    assert "3 work order(s) copied" in output and "work_order_history" in output
    before = counts(f"sqlite:///{source.path}")
    assert counts(target_url) == before and before["work_orders"] == 3 and before["workflow_processed_messages"] > 3

    runtime = open_runtime(WorkflowSettings(database=target_url), clock=ManualClock(START))
    try:
        old = open_runtime(WorkflowSettings(database=f"sqlite:///{source.path}"), clock=ManualClock(START))
        try:
            for work_order_id in source.work_orders:
                assert runtime.store.get_work_order(work_order_id) == old.store.get_work_order(work_order_id)
        finally:
            old.close()
        listener = runtime.store.listener(source.listener_id)
        assert listener is not None and listener.callback_url == "http://listener.test/events"
        client = workflow_client(runtime)
        newer = create(client, Msisdn="13600136000")  # a new complaint in the copy: its keys are its own
        with runtime.store.engine.connect() as db:
            positions = db.execute(sa.select(work_order_events.c.position)
                                   .where(work_order_events.c.work_order_id == newer)).scalars().all()
        assert positions and min(positions) > source.last_position  # never a position a listener passed
    finally:
        runtime.close()


def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(source: FilledSource, tmp_path: Path,
                                                                 copy_target: str) -> None:
    target_url = copy_target
    runtime = open_runtime(WorkflowSettings(database=target_url), clock=ManualClock(START))
    try:
        create(workflow_client(runtime), Msisdn="13600136000")
    finally:
        runtime.close()
    held = counts(target_url)
    code, output = copy(source.path, settings_naming(tmp_path, target_url))
    assert code == 1 and "nothing copied" in output and "already holds rows" in output
    assert counts(target_url) == held


def test_a_file_a_hub_still_runs_on_is_refused(source: FilledSource, tmp_path: Path) -> None:
    with Path(f"{source.path}.publisher-lock").open("ab") as lock:  # the running workflow worker's publisher
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, output = copy(source.path, settings_naming(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}"))
    assert code == 1 and "still runs on" in output
    assert not (tmp_path / "shared.db").exists()


def test_a_hub_with_its_publisher_off_still_holds_the_file(source: FilledSource, tmp_path: Path) -> None:
    """A workflow worker leaving the events to another (``publisher_interval_seconds = 0``) takes no
    ``<file>.publisher-lock``: its open store's ``<file>.hub-lock`` refuses the copy (it went ahead before)."""
    settings = settings_naming(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{source.path}", publisher_interval_seconds=0),
                           clock=ManualClock(START))
    try:
        code, output = copy(source.path, settings)
    finally:
        runtime.close()
    assert code == 1 and f"a hub still runs on {source.path} (it holds old-hub.db.hub-lock)" in output
    assert not (tmp_path / "shared.db").exists()
    code, output = copy(source.path, settings)  # the hub stopped: copied
    assert code == 0, output


def test_a_hub_started_during_a_copy_stops_naming_it(source: FilledSource) -> None:
    with no_hub_running_on(source.path), pytest.raises(StoreBeingCopied, match="onepoint workorders copy"):
        open_runtime(WorkflowSettings(database=f"sqlite:///{source.path}"), clock=ManualClock(START))
    open_runtime(WorkflowSettings(database=f"sqlite:///{source.path}"), clock=ManualClock(START)).close()


def test_the_file_is_read_as_one_snapshot(source: FilledSource, copy_target: str) -> None:
    """A complaint a hub writes once the copy has begun (its work order read already, its deadlines not yet) is in
    none of the copied tables: before, its deadlines and history were read without their work order."""
    before = counts(f"sqlite:///{source.path}")
    hub = open_runtime(WorkflowSettings(database=f"sqlite:///{source.path}"), clock=ManualClock(START))
    written: list[str] = []

    def meanwhile(table: str, done: int, total: int) -> None:
        if table == deadlines.name and not written:
            written.append(create(workflow_client(hub), Msisdn="13500135000"))

    reading, target = read_only(source.path), create_store_engine(copy_target)
    try:
        copy_database(reading, target, meanwhile)
    finally:
        reading.dispose()
        target.dispose()
        hub.close()
    assert written and counts(copy_target) == before
    assert counts(f"sqlite:///{source.path}")["work_orders"] == before["work_orders"] + 1


def test_a_row_the_target_refuses_is_named(source: FilledSource, copy_target: str, tmp_path: Path) -> None:
    """A deadline of no work order (the file written without its foreign keys checked): the copy says which."""
    with sqlite3.connect(source.path) as db:  # the driver's default: foreign keys not enforced
        db.execute("UPDATE deadlines SET work_order_id = 'WO20261123NOSUCH00' WHERE id = (SELECT min(id) FROM "
                   "deadlines)")
        broken = db.execute("SELECT min(id) FROM deadlines").fetchone()[0]
    code, output = copy(source.path, settings_naming(tmp_path, copy_target))
    assert code == 1 and "nothing copied" in output
    assert f"deadlines, row id={broken}, refused by the target" in " ".join(output.split())
    assert counts(copy_target)[work_orders.name] == 0


def test_a_district_as_long_as_the_schema_allows_is_copied(source: FilledSource, copy_target: str,
                                                            tmp_path: Path) -> None:
    """c:District is a c:ShortText (200 characters): PostgreSQL's VARCHAR(64) refused the copy before 0014."""
    with sqlite3.connect(source.path) as db:
        db.execute("UPDATE work_orders SET district = ? WHERE id = ?", (DISTRICT, source.closed))
    code, output = copy(source.path, settings_naming(tmp_path, copy_target))
    assert code == 0, output
    engine = create_store_engine(copy_target)
    try:
        with engine.connect() as db:
            assert db.execute(sa.select(work_orders.c.district)
                              .where(work_orders.c.id == source.closed)).scalar_one() == DISTRICT
    finally:
        engine.dispose()


def test_a_source_at_an_older_schema_revision_is_refused(source: FilledSource, tmp_path: Path) -> None:
    head = ScriptDirectory.from_config(_config()).get_revision(head_revision())
    assert head is not None and isinstance(head.down_revision, str)
    assert VERSION_TABLE == "workflow_alembic_version"
    engine = create_store_engine(f"sqlite:///{source.path}")
    with engine.begin() as db:
        db.execute(sa.text("UPDATE workflow_alembic_version SET version_num = :older"), {"older": head.down_revision})
    engine.dispose()
    code, output = copy(source.path, settings_naming(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}"))
    assert code == 1 and f"the source is at schema revision {head.down_revision}" in output
    assert "onepoint workorders migrate" in output


def test_the_settings_own_database_is_not_a_source(source: FilledSource, tmp_path: Path) -> None:
    code, output = copy(source.path, settings_naming(tmp_path, f"sqlite:///{source.path}"))
    assert code == 1 and "is the [workflow] database of the settings itself" in output


def test_the_rule_files_users_are_not_copied_nor_make_a_target_hold_rows(source: FilledSource, tmp_path: Path,
                                                                        copy_target: str) -> None:
    """They are the processes running on a database (the source's: a hub killed before it withdrew its row), not
    its records; a hub that started on the empty target and announced itself does not make it hold rows."""
    from datetime import UTC, datetime, timedelta

    from hub.workflow.store.rule_file_users import RuleFileUser, announce

    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    killed = RuleFileUser("old-host/41/0badc0de", "old-host", 41, "sla-old", "cal-old", now, now)
    announce(create_store_engine(f"sqlite:///{source.path}"), killed, timedelta(minutes=1))
    open_runtime(WorkflowSettings(database=copy_target), clock=ManualClock(START)).close()  # migrated, empty
    starting = RuleFileUser("new-host/7/c0ffee00", "new-host", 7, "sla", "cal", now, now)
    announce(create_store_engine(copy_target), starting, timedelta(minutes=1))
    code, output = copy(source.path, settings_naming(tmp_path, copy_target))
    assert code == 0, output
    with create_store_engine(copy_target).connect() as db:
        hosts = db.execute(sa.text("SELECT host FROM rule_file_users")).scalars().all()
    assert hosts == ["new-host"] and counts(copy_target)["work_orders"] == 3
