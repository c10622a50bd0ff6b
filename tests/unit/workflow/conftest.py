"""Fixtures of the workflow's unit tests: a runtime on a SQLite file with a ManualClock, a WorkerTestClient whose
outbound path answers BOSS's tier lookups with the schema example (VIP_GOLD with an account manager), and a settings
file naming the runtime's database for the CLIs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
import respx

from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.unit.workflow.incident_kit import client_of
from tests.unit.workflow.kit import START


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file the runtime fixture's settings opened once (every migration run, then closed): each test
    copies it rather than migrating a new file again (~0.15 s of Alembic each); the copy opens as the original
    would, at the head revision."""
    path = tmp_path_factory.mktemp("migrated") / "workorders.db"
    open_runtime(WorkflowSettings(database=f"sqlite:///{path}"), clock=ManualClock(START)).close()
    return path


@pytest.fixture
def runtime(tmp_path: Path, migrated_store: Path) -> Iterator[WorkflowRuntime]:
    database = tmp_path / "workorders.db"
    shutil.copyfile(migrated_store, database)
    settings = WorkflowSettings(database=f"sqlite:///{database}")
    opened = open_runtime(settings, clock=ManualClock(START))
    yield opened
    opened.close()


@pytest.fixture
def config(runtime: WorkflowRuntime, tmp_path: Path) -> Path:
    """A hub's settings file naming the runtime's database: what the CLI's ``--config`` reads."""
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{runtime.store.engine.url.render_as_string(hide_password=False)}"\n')
    return path


@pytest.fixture
def client(runtime: WorkflowRuntime) -> WorkerTestClient:
    return client_of(runtime)


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    """A copy of the packaged taxonomy (its directory of TOML files) to edit."""
    target = tmp_path / "taxonomy"
    shutil.copytree(Path(str(resources.files("hub.workflow.taxonomy") / "data")), target)
    return target


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """The event listeners' call-backs answered by respx (every request must be routed)."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
def publisher(runtime: WorkflowRuntime) -> Iterator[EventPublisher]:
    """The event publisher on the test's store and clock, stopped after the test."""
    made = EventPublisher(runtime.store, runtime.clock, gap=timedelta(seconds=60))
    yield made
    made.stop()
