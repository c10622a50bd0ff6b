"""``onepoint workorders copy --from FILE``: a hub's SQLite work-order file carried whole into the work-order
database of the settings (here another SQLite file; on PostgreSQL: tests/integration/workflow/
test_workorders_copy_to_postgres.py), refused into a database that holds rows, from a file a hub still runs on, or
at another schema revision — nothing copied then."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import _config, head_revision
from hub.workflow.store.schema import VERSION_TABLE, work_order_events
from tests.unit.workflow.copy_kit import FilledSource, counts, fill_source, workflow_client
from tests.unit.workflow.kit import START
from tests.unit.workflow.listener_kit import create

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
