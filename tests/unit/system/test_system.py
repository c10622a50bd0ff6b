"""hub.system without servers: which consumers can run, the adapters pointed at the emulators, the URL table,
the in-process workers on memory://, and /readyz with an open circuit (degraded, still 200)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.config.workflow import WorkflowSettings
from hub.gateways import CircuitBreakers
from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter
from hub.routing.table import RoutingTableError
from hub.system import (
    ConsumerUnavailable,
    HubSystem,
    consumer_kit,
    consumer_kits,
    endpoints,
    point_adapters,
    processed_store_url,
)
from hub.workflow.clock import ManualClock
from tests.support.in_process import asgi_get

pytestmark = pytest.mark.unit


def test_every_queue_has_a_consumer_package() -> None:
    kits, missing = consumer_kits(load_settings().topology.consumers)
    assert sorted(k.consumer for k in kits) == ["boss", "bulletin", "crm", "dsmp", "mail", "nsp", "oa", "workflow"]
    assert missing == {}
    workflow = consumer_kit("workflow")
    assert workflow.processed_store is not None  # the work-order store records them, in the effect's transaction
    assert all(k.processed_store is None for k in kits if k.consumer != "workflow")
    bulletin = consumer_kit("bulletin")
    assert bulletin.handlers_ref == "hub.bulletin:handlers"
    assert [s.command_type for s in bulletin.handlers.for_consumer("bulletin")] == ["nsp.OutageNotice"]
    with pytest.raises(ConsumerUnavailable, match="no package"):
        consumer_kit("billing")


def test_the_adapters_are_pointed_at_the_emulators_started(tmp_path: Path) -> None:
    settings = load_settings()
    moved = point_adapters(settings, {"boss": "http://127.0.0.1:40001", "nsp": "http://127.0.0.1:40003"})
    assert moved.adapter("boss").url == "http://127.0.0.1:40001/"
    assert moved.adapter("boss").wsdl_location == "http://127.0.0.1:40001/?wsdl"
    assert moved.adapter("nsp").url == "http://127.0.0.1:40003/xml"
    assert moved.adapter("crm") == settings.adapter("crm")  # no emulator given for it: as configured


def test_the_url_table_lists_the_hub_the_emulators_and_the_queues() -> None:
    rows = endpoints("http://127.0.0.1:8000", ["boss", "nsp"], emulators={"boss": "http://127.0.0.1:8101",
                                                                          "nsp": "http://127.0.0.1:8103"},
                     consumers={"onepoint.workflow": "no consumer"})
    urls = {(r.group, r.what): r.url for r in rows}
    assert urls["hub", "SOAP boss (WSDL)"] == "http://127.0.0.1:8000/soap/boss?wsdl"
    assert urls["hub", "XML nsp"] == "http://127.0.0.1:8000/xml/nsp"
    assert urls["hub", "bulletin (CS agents)"] == "http://127.0.0.1:8000/bulletin?agent=ID"
    assert urls["emulator boss", "SOAP (WSDL)"] == "http://127.0.0.1:8101/?wsdl"
    assert urls["emulator nsp", "XML"] == "http://127.0.0.1:8103/xml"
    assert urls["emulator nsp", "admin API"] == "http://127.0.0.1:8103/__admin/"
    assert urls["queue", "onepoint.workflow"] == "no consumer"


def test_processed_ids_last_only_where_the_messages_do() -> None:
    settings = load_settings()
    assert processed_store_url(settings, "boss") == "memory://"
    amqp = replace(settings, broker_url="amqp://u:p@127.0.0.1:5672/%2F")
    assert processed_store_url(amqp, "boss") == "sqlite:///onepoint-boss.sqlite3"


def test_on_memory_the_workers_run_in_the_hubs_process_and_stop_with_it(tmp_path: Path) -> None:
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}"))
    system = HubSystem(settings)  # no [adapters.*]: only the mail adapter, the bulletin and the workflow can run
    app = system.start()
    assert [r.consumer for r in system.running] == ["mail", "bulletin", "workflow"]
    assert "no [adapters.boss] section" in system.unavailable["boss"]
    assert system.idle_queues == ["boss", "crm", "nsp", "dsmp", "oa"]
    assert system.running[0].worker.broker is app.router.broker  # type: ignore[attr-defined]
    assert app.on_shutdown[0] == system.stop  # the app's shutdown drains the workers first
    system.stop()
    assert system.running == []
    app.router.broker.close()  # type: ignore[attr-defined]


def test_a_consumers_dependencies_take_the_callers_options(tmp_path: Path) -> None:
    """The workflow on a clock of the caller's (the simulator's simulated time), batches as configured."""
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", worker_batch=8))
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    system = HubSystem(settings, dependency_options={"workflow": {"clock": clock}})
    app = system.start()
    try:
        (workflow,) = [r for r in system.running if r.consumer == "workflow"]
        assert workflow.dependencies["workflow"].clock is clock
        assert workflow.worker.max_batch == 8
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]


def test_without_workers_every_queue_is_left_to_worker_processes() -> None:
    system = HubSystem(load_settings(), workers=False)
    app = system.start()
    assert system.running == [] and set(system.unavailable) == set(load_settings().topology.consumers)
    app.router.broker.close()  # type: ignore[attr-defined]


def test_readyz_names_an_open_circuit_as_degraded_but_stays_ready() -> None:
    breakers = CircuitBreakers()
    app = create_app(load_settings(), router=InMemoryRouter(), breakers=breakers)

    def readyz() -> httpx.Response:
        return asgi_get(app, "/readyz")

    assert readyz().json()["status"] == "ok"
    breakers.changed("boss", "open", time.time(), 30.0)
    answer = readyz()
    assert answer.status_code == 200
    assert answer.json() | {"checks": None} == {"ready": True, "status": "degraded", "checks": None,
                                                 "circuits": {"boss": "open"}, "open": ["boss"]}


def test_worker_without_handlers_runs_its_consumers_package_or_says_there_is_none() -> None:
    from click.testing import CliRunner

    from hub.cli.main import main

    refused = CliRunner().invoke(main, ["worker", "billing"])
    assert refused.exit_code != 0
    assert "no package consumes queue 'billing'" in refused.output and "--handlers" in refused.output



def test_a_reload_reroutes_the_ingress_and_the_in_process_workers_and_a_bad_table_changes_nothing(
        tmp_path: Path) -> None:
    """SIGHUP's work: the hub's own commands (a workflow's dispatch) follow the new table like the ingress does."""
    builtin = (Path(__file__).parents[3] / "hub" / "routing" / "default_routes.toml").read_text("utf-8")
    routes = tmp_path / "routes.toml"
    routes.write_text(builtin, "utf-8")
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}"),
                       routing_file=routes)
    system = HubSystem(settings)
    app = system.start()
    try:
        (workflow,) = [r for r in system.running if r.consumer == "workflow"]
        assert workflow.outbound is not None and workflow.outbound.table is app.router.table  # type: ignore[attr-defined]
        routes.write_text(builtin.replace('commands = ["nsp.NetworkComplaintDispatch"]\nto = ["nsp"]',
                                          'commands = ["nsp.NetworkComplaintDispatch"]\nto = ["nsp", "oa"]'), "utf-8")
        table = system.reload_routes()
        assert app.router.table is table and workflow.outbound.table is table  # type: ignore[attr-defined]
        assert {r.name: r.to for r in table.routes}["network complaints dispatched to NSP"] == ("nsp", "oa")
        routes.write_text(builtin + '\n[[routes]]\nname = "nowhere"\ncommands = ["nsp.*"]\nto = ["billing"]\n')
        with pytest.raises(RoutingTableError, match="billing"):
            system.reload_routes()
        assert app.router.table is table and workflow.outbound.table is table  # type: ignore[attr-defined]
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]


def test_a_separate_dsmp_worker_gets_the_work_order_store_its_purpose_check_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``onepoint worker dsmp`` builds what ``onepoint serve`` gives the DSMP adapter (the work-order store, which
    an adapter may not open itself): it gets as far as the broker, here unreachable, and says so plainly."""
    from click.testing import CliRunner

    import hub.transport
    from hub.cli.main import main
    from hub.transport.errors import TransportError

    def unreachable(*_: object) -> None:
        raise TransportError("could not connect to the broker: refused")

    monkeypatch.setattr(hub.transport, "open_broker", unreachable)  # no network: the broker is the last step
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hub.toml").write_text('[broker]\nurl = "amqp://guest:guest@127.0.0.1:1/"\n[audit]\n'
                                       'development_key = true\n[adapters.dsmp]\nurl = "http://127.0.0.1:1/xml"\n')
    result = CliRunner().invoke(main, ["worker", "dsmp", "--config", "hub.toml", "--log-level", "ERROR"])
    assert result.exit_code == 1 and "could not connect to the broker" in result.output, result.output
    assert "work-order store" not in result.output and (tmp_path / "onepoint-workorders.db").is_file()
