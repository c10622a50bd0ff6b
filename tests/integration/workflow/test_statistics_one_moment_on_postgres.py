"""The statistics read one moment on PostgreSQL too: QueryStatistics and `onepoint stats` read the overdue complaints,
the counters and the outages in one REPEATABLE READ, READ ONLY transaction. Under READ COMMITTED each statement
saw its own moment, and a complaint replied late between the overdue read and the counters' counted twice: overdue
and late. Here another process's store replies it at exactly that point."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.statistics import queries
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.incident_kit import client_of
from tests.unit.workflow.kit import act, answer, envelope, text
from tests.unit.workflow.test_statistics_counters import create
from tests.unit.workflow.test_statistics_one_moment import (  # noqa: F401 - collected here too
    broker,
    statistics_query,
    test_a_query_in_the_batch_of_a_late_reply_counts_that_limit_once,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


@pytest.fixture
def other_process(runtime: WorkflowRuntime) -> Iterator[WorkerTestClient]:
    """A client of a second runtime on the same database, as another hub process would be."""
    url = runtime.store.engine.url.render_as_string(hide_password=False)
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    opened = open_runtime(WorkflowSettings(database=url), clock=clock)  # the same time
    yield client_of(opened)
    opened.close()


def reply_after_the_overdue_read(monkeypatch: pytest.MonkeyPatch, replying: Callable[[], object]) -> None:
    """The next figures' read: ``replying`` (committed elsewhere) right after the overdue complaints are read."""
    overdue_replies = queries.overdue_replies

    def then_reply(*args: Any, **kwargs: Any) -> dict[str, int]:
        found = overdue_replies(*args, **kwargs)
        monkeypatch.setattr(queries, "overdue_replies", overdue_replies)
        replying()
        return found

    monkeypatch.setattr(queries, "overdue_replies", then_reply)


def an_overdue_complaint(client: WorkerTestClient, runtime: WorkflowRuntime) -> str:  # noqa: F811
    late = create(client)  # VIP_GOLD: reply within 6 h
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(days=1))
    return late


def test_query_statistics_counts_a_complaint_replied_during_the_read_once(
        client: WorkerTestClient, runtime: WorkflowRuntime, other_process: WorkerTestClient,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    late = an_overdue_complaint(client, runtime)
    reply_after_the_overdue_read(monkeypatch, lambda: act(other_process, late, "WorkOrderAction.valid-reply.xml"))
    figures = answer(client.request(envelope(*statistics_query())))
    assert [text(figures, f"wo:TierSla/wo:{n}") for n in ("Late", "Overdue")] == ["0", "1"]  # as before the reply
    again = answer(client.request(envelope(*statistics_query())))
    assert [text(again, f"wo:TierSla/wo:{n}") for n in ("Late", "Overdue")] == ["1", "0"]


def test_stats_command_counts_a_complaint_replied_during_the_read_once(
        client: WorkerTestClient, runtime: WorkflowRuntime, other_process: WorkerTestClient,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    late = an_overdue_complaint(client, runtime)
    config = tmp_path / "hub.toml"
    config.write_text(f'[workflow]\ndatabase = "{runtime.store.engine.url.render_as_string(hide_password=False)}"\n')
    reply_after_the_overdue_read(monkeypatch, lambda: act(other_process, late, "WorkOrderAction.valid-reply.xml"))
    shown = CliRunner().invoke(main, ["stats", "--from", "2026-11-23", "--to", "2026-11-23", "--json",
                                      "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    totals = json.loads(shown.output)["totals"]
    assert (totals["replied_late"], totals["overdue"]) == (0, 1)  # as before the reply
