"""Work orders on PostgreSQL with the other shared records left at their per-machine defaults: each is named at
start (``hub.config.sharing``), so an operator moving one hub to several sees what the hubs would not share."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from click.testing import CliRunner

from hub.config.settings import HubSettings, load_settings
from hub.config.sharing import kept_per_machine, warn_kept_per_machine

pytestmark = pytest.mark.unit

PG = "postgresql+psycopg://hub@127.0.0.1:5432/onepoint"


def _on_postgres(settings: HubSettings) -> HubSettings:
    return replace(settings, workflow=replace(settings.workflow, database=PG))


def test_a_hub_on_sqlite_keeps_everything_here_and_is_told_nothing() -> None:
    assert kept_per_machine(load_settings()) == []


def test_each_record_left_on_the_machine_is_named_with_its_setting() -> None:
    settings = _on_postgres(load_settings())
    assert any(a.system == "dsmp" for a in settings.adapters)
    kept = {k.setting: k.consequence for k in kept_per_machine(settings)}
    assert list(kept) == ["[workers] processed_store", "[bulletin] database", "[audit] database",
                          "[security] nonce_store"]
    assert "carried out again" in kept["[workers] processed_store"]
    assert "onepoint-bulletin.db" in kept["[bulletin] database"]
    assert "memory" in kept["[security] nonce_store"]


def test_nothing_is_named_once_every_record_is_shared() -> None:
    settings = _on_postgres(load_settings())
    shared = replace(settings, workers=replace(settings.workers, processed_store=PG),
                     bulletin=replace(settings.bulletin, database="workflow", workflow_database=PG),
                     audit=replace(settings.audit, database=PG),
                     security=replace(settings.security, nonce_store="workflow"))
    assert kept_per_machine(shared) == []


def test_the_audit_trail_is_named_only_when_the_hub_calls_dsmp() -> None:
    settings = _on_postgres(load_settings())
    without_dsmp = replace(settings, adapters=tuple(a for a in settings.adapters if a.system != "dsmp"))
    assert "[audit] database" not in [k.setting for k in kept_per_machine(without_dsmp)]


def test_a_sqlite_nonce_store_is_per_machine_too() -> None:
    settings = _on_postgres(load_settings())
    on_file = replace(settings, security=replace(settings.security, nonce_store="sqlite:///nonces.db"))
    [nonces] = [k for k in kept_per_machine(on_file) if k.setting == "[security] nonce_store"]
    assert "SQLite file" in nonces.consequence


def test_one_warning_per_record(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="onepoint.test"):
        warn_kept_per_machine(_on_postgres(load_settings()), logging.getLogger("onepoint.test"))
    assert [r.__dict__["setting"] for r in caplog.records] == [
        "[workers] processed_store", "[bulletin] database", "[audit] database", "[security] nonce_store"]
    assert all("set [" in r.getMessage() for r in caplog.records)


def test_each_warning_says_how_its_record_moves(caplog: pytest.LogCaptureFixture) -> None:
    """The audit log has no copy command (a move starts a new chain): its warning does not send the operator to
    one (the walkthrough audit); the others name theirs."""
    with caplog.at_level(logging.WARNING, logger="onepoint.test"):
        warn_kept_per_machine(_on_postgres(load_settings()), logging.getLogger("onepoint.test"))
    said = {r.__dict__["setting"]: r.getMessage() for r in caplog.records}
    assert "copy command" not in said["[audit] database"] and "new chain" in said["[audit] database"]
    assert "onepoint processed copy" in said["[workers] processed_store"]
    assert "onepoint bulletin copy" in said["[bulletin] database"]


class _Stopped(Exception):
    """Raised in place of the warning: the command goes no further (nothing opened, no port bound)."""


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker", "boss"]])  # 8000 may be taken here
def test_serve_and_worker_say_it_at_start(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli.main import main

    told: list[str] = []

    def warn(settings: HubSettings, log: logging.Logger) -> None:
        told.extend(k.setting for k in kept_per_machine(settings))
        raise _Stopped

    module = "hub.cli.serve" if command[0] == "serve" else "hub.cli.worker"
    monkeypatch.setattr(f"{module}.warn_kept_per_machine", warn)
    on_amqp = replace(_on_postgres(load_settings()), broker_url="amqp://guest:guest@127.0.0.1:1/%2F")
    monkeypatch.setattr(f"{module}.load_settings", lambda path: on_amqp)
    result = CliRunner().invoke(main, command)
    assert isinstance(result.exception, _Stopped), result.output
    assert "[bulletin] database" in told


def test_a_hub_that_forgot_the_work_orders_database_is_told() -> None:
    """The other records shared on PostgreSQL, the work orders still in the machine's SQLite file: each hub would
    keep work orders of its own."""
    settings = load_settings()
    forgot = replace(settings, workers=replace(settings.workers, processed_store=PG),
                     security=replace(settings.security, nonce_store=PG))
    [kept] = kept_per_machine(forgot)
    assert kept.setting == "[workflow] database"
    assert "[workers] processed_store, [security] nonce_store on PostgreSQL" in kept.consequence
