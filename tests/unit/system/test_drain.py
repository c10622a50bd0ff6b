"""A graceful stop on memory://: admission closes, the workers drain the queues and delay tiers of the in-process
broker before they stop, and what is left when the drain deadline passed is logged (ERROR) per queue."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

import hub.system.assembly
from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.system import ConsumerKit, HubSystem, drain
from hub.transport import Broker, routing_key
from hub.workers import HandlerRegistry

pytestmark = pytest.mark.unit

NOTICE = "nsp.OutageNotice"
WAIT = 20.0  # seconds before a missing outcome fails a test (never asserted on)


class Bulletin:
    """A stand-in bulletin worker: its first handler blocks until the system's stop begins (the stop of what runs
    beside the worker is the first thing ``HubSystem.stop`` does), so a backlog waits in the queue at that moment."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.started = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()

    def handle(self, envelope: Envelope) -> None:
        self.started.set()
        self.released.wait(WAIT)
        with self.lock:
            self.handled.append(envelope.message_id)

    def kit(self) -> ConsumerKit:
        handlers = HandlerRegistry()
        handlers.add(NOTICE, self.handle, consumer="bulletin")

        def background(deps: Mapping[str, Any], **_: Any) -> Callable[[], None]:
            return self.released.set

        return ConsumerKit("bulletin", "tests.bulletin", handlers, lambda *_, **__: {}, lambda deps: None,
                           background=background)


@pytest.fixture
def bulletin(monkeypatch: pytest.MonkeyPatch) -> Bulletin:
    stand_in = Bulletin()

    def kits(consumers: tuple[str, ...]) -> tuple[list[ConsumerKit], dict[str, str]]:
        return [stand_in.kit()], {c: "not in this test" for c in consumers if c != "bulletin"}

    monkeypatch.setattr(hub.system.assembly, "consumer_kits", kits)
    return stand_in


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    return replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                   workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}"))


def send(broker: Broker, count: int) -> list[str]:
    ids = [uuid.uuid4().hex for _ in range(count)]
    for mid in ids:
        message = message_from_envelope(Envelope(mid, NOTICE, "NSP", b"<OutageNotice/>"),
                                        routing_key("bulletin", NOTICE))
        broker.publish(broker.config.commands_exchange, message).result(10)
    return ids


def test_a_stop_on_memory_lets_the_workers_finish_the_backlog_first(settings: Any, bulletin: Bulletin) -> None:
    system = HubSystem(settings)
    app = system.start()
    broker = app.router.broker  # type: ignore[attr-defined]
    try:
        sent = send(broker, 40)  # more than the worker's prefetch: most wait in the queue itself
        assert bulletin.started.wait(WAIT)
        system.stop()
        assert sorted(bulletin.handled) == sorted(sent)  # every accepted command was handled before the stop
        assert broker.depths()[broker.config.queue("bulletin")] == 0
    finally:
        system.stop()
        broker.close()


def test_what_the_drain_deadline_leaves_is_logged_per_queue(settings: Any, bulletin: Bulletin,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    system = HubSystem(settings, drain_seconds=0.0)
    app = system.start()
    broker = app.router.broker  # type: ignore[attr-defined]
    config = broker.config
    try:
        bulletin.released.set()
        waiting = message_from_envelope(Envelope(uuid.uuid4().hex, NOTICE, "NSP", b"<OutageNotice/>"),
                                        config.queue("bulletin"))  # a retry waiting five minutes in its tier
        broker.publish(config.delay_exchange("5m"), waiting).result(10)
        message = message_from_envelope(Envelope(uuid.uuid4().hex, "boss.QueryCustomerTier", "CS", b"<Q/>"),
                                        routing_key("boss", "boss.QueryCustomerTier"))
        broker.publish(config.commands_exchange, message).result(10)  # no worker for boss here
        with caplog.at_level(logging.ERROR, logger="onepoint.system"):
            system.stop()
        errors = [r for r in caplog.records if r.name == "onepoint.system" and r.levelno == logging.ERROR]
        lost = {r.queue: r.messages for r in errors}  # type: ignore[attr-defined]
        assert lost == {config.delay_exchange("5m"): 1, config.queue("boss"): 1}
        assert all("memory:// keeps nothing over a restart" in r.getMessage() for r in errors)
    finally:
        broker.close()


def test_a_system_thrown_away_whole_is_neither_drained_nor_reported(settings: Any, bulletin: Bulletin,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    system = HubSystem(settings, drain_seconds=None)  # the demo's and the simulator's
    app = system.start()
    broker = app.router.broker  # type: ignore[attr-defined]
    try:
        send(broker, 40)
        assert bulletin.started.wait(WAIT)
        with caplog.at_level(logging.ERROR, logger="onepoint.system"):
            system.stop()
        assert len(bulletin.handled) < 40
        assert not [r for r in caplog.records if r.name == "onepoint.system" and r.levelno == logging.ERROR]
    finally:
        broker.close()


def test_once_stopping_the_hub_refuses_new_work_but_answers_health(settings: Any, bulletin: Bulletin) -> None:
    system = HubSystem(settings)
    app = system.start()

    async def ask() -> tuple[int, str, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app.asgi), base_url="http://hub") as client:
            work = await client.post("/xml/nsp", content=b"<x/>", headers={"authorization": "Bearer nsp-dev-token"})
            health = await client.get("/healthz")
            return work.status_code, work.headers.get("retry-after", ""), health.status_code

    try:
        assert asyncio.run(ask())[0] != 503
        system.stop()
        assert asyncio.run(ask()) == (503, "5", 200)
    finally:
        app.router.broker.close()  # type: ignore[attr-defined]


def test_drain_waits_for_the_named_queues_only_until_its_deadline() -> None:
    depths = iter([{"q": 3, "other": 9}, {"q": 1, "other": 9}, {"q": 0, "other": 9}])
    naps: list[float] = []
    assert drain(lambda _due: next(depths), {"q"}, 10.0, clock=lambda: 0.0, sleep=naps.append) == {}
    assert len(naps) == 2
    now = iter([0.0, 0.0, 5.0, 11.0])
    assert drain(lambda _due: {"q": 2}, {"q"}, 10.0, clock=lambda: next(now), sleep=lambda _: None) == {"q": 2}


def test_a_retry_waiting_longer_than_the_deadline_does_not_hold_the_stop(settings: Any, bulletin: Bulletin,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """A message in the 5-minute tier cannot come back within the drain's deadline: the stop does not wait for it
    (it is reported lost at once), while the deadline is long."""
    system = HubSystem(settings, drain_seconds=60.0)
    app = system.start()
    broker = app.router.broker  # type: ignore[attr-defined]
    config = broker.config
    try:
        bulletin.released.set()
        waiting = message_from_envelope(Envelope(uuid.uuid4().hex, NOTICE, "NSP", b"<OutageNotice/>"),
                                        config.queue("bulletin"))
        broker.publish(config.delay_exchange("5m"), waiting).result(10)
        stopped = threading.Thread(target=system.stop, daemon=True)
        with caplog.at_level(logging.ERROR, logger="onepoint.system"):
            stopped.start()
            stopped.join(WAIT)
        assert not stopped.is_alive()  # it did not wait the minute (or the five)
        lost = {r.queue: r.messages for r in caplog.records  # type: ignore[attr-defined]
                if r.name == "onepoint.system" and r.levelno == logging.ERROR}
        assert lost == {config.delay_exchange("5m"): 1}
        assert broker.depths(due_before=0.0)[config.delay_exchange("5m")] == 0
    finally:
        broker.close()
