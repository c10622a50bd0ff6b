"""``onepoint listeners list`` and ``resume`` on a work-order database the workflow's runtime made and its handlers
filled: every system's listeners as a table (call-backs without credentials) or JSON, a parked listener served
again (with the retention's purge named), and an unknown or unparked one refused in one line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli.main import main
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.outbox import suspend_listener
from hub.workflow.store.retention import purge_events
from tests.unit.workflow.kit import START
from tests.unit.workflow.listener_kit import create, register

pytestmark = pytest.mark.unit

OK = "http://ok.test/events"
FAILING = "http://failing.test/events"
GONE = "http://gone.test/events"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    return result.output


@pytest.fixture
def settings(tmp_path: Path, runtime: WorkflowRuntime) -> str:
    """The settings naming the runtime's database (``workorders.db`` of the workflow's fixtures)."""
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "sqlite:///{tmp_path / "workorders.db"}"\n'
                    'statistics_timezone = "Asia/Shanghai"\n')
    return str(path)


def _park(runtime: WorkflowRuntime, listener_id: str, error: str = "HTTP 410 Gone") -> None:
    with runtime.store.engine.begin() as connection:
        assert suspend_listener(connection, listener_id, START + timedelta(minutes=5), error)


@pytest.fixture
def three(client: WorkerTestClient, runtime: WorkflowRuntime) -> tuple[str, str, str]:
    """CS's served listener (one event delivered), CRM's retrying one, NSP's parked one; two events after each."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    served = register(client, OK, event_types=("TroubleTicketCloseEvent",), category="01.02")
    clock.advance(timedelta(seconds=1))
    retrying = register(client, FAILING, source="CRM")
    clock.advance(timedelta(seconds=1))
    parked = register(client, GONE, source="NSP", area_code="0755")
    create(client)
    events = runtime.store.events_after(0, 1000)
    runtime.store.advance_listener(served, events[0].position, START + timedelta(minutes=1), delivered=True)
    runtime.store.listener_failed(retrying, 2, START + timedelta(minutes=3), "ConnectError: connection refused")
    _park(runtime, parked)
    return served, retrying, parked


def test_list_shows_every_systems_listeners_as_a_table(settings: str, three: tuple[str, str, str],
                                                       runtime: WorkflowRuntime) -> None:
    runtime.store.add_listener("https://crm:s3cret@crm.test/events", None, START + timedelta(hours=1),
                               source_system="CRM")  # a row written before credentials were refused
    result = run("listeners", "list", "--config", settings)
    assert result.exit_code == 0, result.output
    output = result.output
    assert "4 event listener(s), 1 parked; times in Asia/Shanghai" in output
    for listener_id in three:
        assert listener_id in output
    for shown in ("CS", "CRM", "NSP", OK, FAILING, GONE, "types Close", "category 01.02", "area 0755", "every event",
                  "ACTIVE", "RETRYING, next", "09:18:00", "PARKED since", "09:20:00", "ConnectError:", "HTTP 410",
                  "last delivered", "09:16:00", "https://crm.test/events"):
        assert shown in output, shown
    assert "s3cret" not in output


def test_list_as_json(settings: str, three: tuple[str, str, str], runtime: WorkflowRuntime) -> None:
    served, retrying, parked = three
    result = run("listeners", "list", "--json", "--config", settings)
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["listeners"]
    assert [item["id"] for item in listed] == [served, retrying, parked]
    written = len(runtime.store.events_after(0, 1000))
    by_id = {item["id"]: item for item in listed}
    assert by_id[served]["state"] == "ACTIVE" and by_id[served]["eventsWaiting"] == written - 1
    assert by_id[served]["filter"] == {"eventTypes": ["TroubleTicketCloseEvent"], "category": "01.02",
                                       "areaCode": None}
    assert by_id[served]["lastDeliveredAt"] == "2026-11-23T01:16:00+00:00"
    assert (by_id[retrying]["state"], by_id[retrying]["failures"]) == ("RETRYING", 2)
    assert by_id[retrying]["nextAttemptAt"] == "2026-11-23T01:18:00+00:00" and by_id[retrying]["filter"] is None
    assert (by_id[parked]["state"], by_id[parked]["lastError"]) == ("PARKED", "HTTP 410 Gone")
    assert by_id[parked]["eventsWaiting"] == written and by_id[parked]["system"] == "NSP"


def test_resume_serves_a_parked_listener_again_and_refuses_one_not_parked(
        settings: str, three: tuple[str, str, str], runtime: WorkflowRuntime) -> None:
    served, _, parked = three
    cursor = runtime.store.listener(parked)
    assert cursor is not None
    result = run("listeners", "resume", parked, "--config", settings)
    assert result.exit_code == 0, result.output
    assert f"listener {parked} (NSP, {GONE}) resumed" in result.output
    assert f"from outbox position {cursor.delivered_position}" in result.output and "warning" not in result.output
    resumed = runtime.store.listener(parked)
    assert resumed is not None and resumed.suspended_at is None and resumed.failures == 0

    again = one_line_error(run("listeners", "resume", parked, "--config", settings))
    assert f"listener {parked} is not parked (ACTIVE): nothing to resume" in again
    assert "is not parked (ACTIVE)" in one_line_error(run("listeners", "resume", served, "--config", settings))
    unknown = one_line_error(run("listeners", "resume", "no-such-listener", "--config", settings))
    assert "no listener no-such-listener" in unknown


def test_resume_says_how_many_positions_the_retention_purged_meanwhile(
        settings: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    parked = register(client, GONE)
    _park(runtime, parked)
    create(client)
    events = runtime.store.events_after(0, 1000)
    runtime.store.mark_published([event.event_id for event in events], START)  # none waits for a parked one
    later = START + timedelta(days=8)
    assert purge_events(runtime.store.engine, later - timedelta(days=7), later) == len(events)

    result = CliRunner().invoke(main, ["listeners", "resume", parked, "--config", settings])
    assert result.exit_code == 0, result.output
    assert f"from outbox position {events[-1].position}" in result.stdout
    assert f"purged {len(events)} outbox position(s) after its cursor" in result.stderr


def test_a_missing_database_is_one_line_and_is_not_created(tmp_path: Path) -> None:
    database = tmp_path / "typo.db"
    config = tmp_path / "hub.toml"
    config.write_text(f'[workflow]\ndatabase = "sqlite:///{database}"\n')
    for command in (["list"], ["list", "--json"], ["resume", "3f2b8c1e-6a7d-4e2f-9b10-5c4d3e2f1a0b"]):
        assert f"no work-order database at {database}" in one_line_error(
            run("listeners", *command, "--config", str(config)))
    assert not database.exists()
