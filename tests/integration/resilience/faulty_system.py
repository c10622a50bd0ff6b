"""The whole system for the resilience test: the hub (ingress + a worker per queue, ``hub.system.HubSystem``) on a
fresh broker namespace with fast delay tiers, the five real emulators (NSP and OA call the hub back), and a
seeded fault plan that makes every system slow, flaky and, for a few seconds, down."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import uvicorn

from hub.config.settings import AuditSettings, HubSettings, load_settings
from hub.routing.broker_router import BrokerRouter
from hub.store.keys import processed_key
from hub.system import HubSystem, RunningConsumer, point_adapters
from hub.transport import Broker, DelayTier
from tests.support.servers import free_port

__all__ = ["AUDIT_KEY_ENV", "FAULT_SEED", "FaultPlan", "FaultySystem", "running_system"]

FAULT_SEED = 11  # every fault draws from a generator seeded with this, the system and the fault's kind
SYSTEMS = ("boss", "crm", "nsp", "dsmp", "oa")
TOKENS = {"nsp": "nsp-dev-token", "oa": "oa-dev-token"}  # the development call-back credentials (defaults.toml)
AUDIT_KEY_ENV = "ONEPOINT_RESILIENCE_AUDIT_KEY"  # the test sets it (the key is never stored with the log)
FAST_TIERS = (DelayTier("100ms", 100), DelayTier("200ms", 200), DelayTier("300ms", 300))


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What every system suffers, and how the hub calls them (a read timeout inside the latency's tail)."""

    latency_median: float = 0.05  # lognormal, seconds
    latency_sigma: float = 1.2
    latency_cap: float = 1.0
    error_rate: float = 0.08  # answered 503 (a SOAP Server fault by BOSS and CRM)
    reset_rate: float = 0.04  # TCP RST, no answer
    outage_in: float = 1.0  # seconds after the faults are on
    outage_seconds: float = 3.0
    read_timeout: float = 0.3  # P(latency > 0.3 s) = P(z > ln 6 / 1.2) ≈ 7 %: some calls time out (answer lost)
    breaker_fail_max: int = 3
    breaker_reset_seconds: float = 0.5

    def specs(self, system: str) -> list[dict[str, Any]]:
        """The fault specifications for ``system`` (NSP's scoped to the one operation the hub calls, so that the
        test can raise outage notices through NSP's own API while it is down for the hub)."""
        operation = "NetworkComplaintDispatch" if system == "nsp" else None
        seed = f"{FAULT_SEED}:{system}"
        return [
            {"kind": "latency", "operation": operation, "distribution": "lognormal", "median": self.latency_median,
             "sigma": self.latency_sigma, "cap": self.latency_cap, "seed": f"{seed}:latency"},
            {"kind": "outage", "operation": operation, "start_in": self.outage_in, "duration": self.outage_seconds},
            {"kind": "error", "operation": operation, "status": 503, "probability": self.error_rate,
             "seed": f"{seed}:error"},
            {"kind": "reset", "operation": operation, "probability": self.reset_rate, "seed": f"{seed}:reset"},
        ]


@dataclass
class FaultySystem:
    settings: HubSettings
    system: HubSystem
    emulators: dict[str, Any]  # system → EmulatorHandle
    base_url: str

    @property
    def broker(self) -> Broker:
        router = self.system.app.router if self.system.app is not None else None
        assert isinstance(router, BrokerRouter)
        return router.broker

    def consumer(self, name: str) -> RunningConsumer:
        return next(r for r in self.system.running if r.consumer == name)

    def outcome(self, consumer: str, message_id: str, source_system: str = "CS") -> str | None:
        """What ``consumer``'s worker recorded for ``message_id`` of ``source_system`` (None: not processed)."""
        return self.consumer(consumer).store.outcome(processed_key(consumer, source_system, message_id))

    def inject(self, plan: FaultPlan, extra: dict[str, list[dict[str, Any]]] | None = None) -> None:
        """Turn the faults on at every emulator (``extra`` first: they win over the plan's)."""
        for name, handle in self.emulators.items():
            for spec in [*(extra or {}).get(name, []), *plan.specs(name)]:
                params = {k: v for k, v in spec.items() if k not in ("kind", "operation")}
                handle.add_fault(spec["kind"], spec.get("operation"), **params)

    def clear_faults(self) -> None:
        for handle in self.emulators.values():
            handle.admin.clear_faults()


@contextmanager
def _serving(app: Any, port: int, timeout: float = 10.0) -> Iterator[None]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"hub-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the hub did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextmanager
def running_system(broker_url: str, tmp_path: Path, start_emulator: Any, plan: FaultPlan, *,
                   left_to_others: tuple[str, ...] = (),
                   adjusted: Callable[[HubSettings, str], HubSettings] | None = None) -> Iterator[FaultySystem]:
    """Emulators first (they need the hub's URL for their call-backs), then the hub and its workers pointed at
    them with the plan's timeouts and circuits; everything stopped afterwards (workers drained first).
    ``left_to_others``: queues no worker of this hub consumes (their messages wait there, for the test).
    ``adjusted(settings, hub_url)``: the settings the hub runs on instead (an emulator of the test's own started)."""
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    emulators = {
        "boss": start_emulator("boss"),
        "crm": start_emulator("crm"),
        "nsp": start_emulator("nsp", hub_url=hub_url, hub_token=TOKENS["nsp"], reply_delay=0.2,
                              callback_backoff=0.05),
        "dsmp": start_emulator("dsmp"),
        "oa": start_emulator("oa", hub_url=hub_url, hub_token=TOKENS["oa"], callback_backoff=0.05),
    }
    defaults = load_settings()
    settings = replace(
        point_adapters(defaults, {name: handle.base_url for name, handle in emulators.items()}),
        broker_url=broker_url, topology_prefix=f"r{uuid.uuid4().hex[:8]}", delay_tiers=FAST_TIERS,
        audit=AuditSettings(path=tmp_path / "audit.db", key_env=AUDIT_KEY_ENV),
        bulletin=replace(defaults.bulletin, path=tmp_path / "bulletin.db"),
        workflow=replace(defaults.workflow, database=f"sqlite:///{tmp_path / 'workorders.db'}"),
    )
    settings = replace(settings, adapters=tuple(
        replace(a, connect_timeout=1.0, read_timeout=plan.read_timeout, breaker_fail_max=plan.breaker_fail_max,
                breaker_reset_seconds=plan.breaker_reset_seconds) for a in settings.adapters))
    if adjusted is not None:
        settings = adjusted(settings, hub_url)
    system = HubSystem(settings, left_to_others=left_to_others)
    app = system.start()
    try:
        with _serving(app.asgi, port):
            yield FaultySystem(settings, system, emulators, hub_url)
    finally:
        system.stop()  # idempotent: the app's shutdown (which also closes the broker) ran it already
