"""What happened during a demo run, from three vantage points, as one kind of ``Event``:

* the callers' side: what the demo sent and got back (``Event.caller``), recorded by the scenario;
* the hub's side: its own log records, tapped while the demo runs (``HubTap``): the ingress accepting a
  command (who sent it, where it went), a worker having handled one (its outcome), a handler sending a
  follow-up command (to which queues). The ingress writes its record once the command is routed (a request's
  once its answer is back); ``ReceiptClock``, the demo hub's outermost ASGI middleware, notes when each request
  reached the hub, so the tap stamps the ingress's event at its receipt and gives it the time the hub held the
  command (``took``);
* the systems' side: each emulator's request journal (``system_events``): when BOSS, CRM, NSP, DSMP or OA got
  a call from the hub and how long it took to answer, and when the mail emulator's SMTP server took a mail.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from emulators.toolkit import EmulatorAdmin
from hub.observability.logging import mask_msisdn

__all__ = ["Event", "HubTap", "ReceiptClock", "system_events"]

_RECEIVED: ContextVar[float | None] = ContextVar("onepoint_demo_received", default=None)

SERVICE_PATHS = frozenset({"/", "/xml", "/smtp/deliver"})  # what the hub calls (a mail: its SMTP server's hand-in);
# the rest (web pages, inbox lists, a handler's answer) is the demo
SYSTEM_NAMES = {"boss": "BOSS", "crm": "CRM", "nsp": "NSP", "dsmp": "DSMP", "oa": "OA", "mail": "MAIL"}


@dataclass(frozen=True, slots=True)
class Event:
    """One step of the timeline: at ``at`` (epoch seconds) ``source`` → ``target``: ``command`` → ``outcome``."""

    at: float
    source: str
    target: str
    command: str
    outcome: str
    side: str  # "caller", "hub" or "system"
    took: float | None = None  # seconds the step itself took, when the vantage point knows it

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "source": self.source, "target": self.target, "command": self.command,
                "outcome": self.outcome, "side": self.side, "took_ms": None if self.took is None
                else round(self.took * 1000, 1)}


class ReceiptClock:
    """ASGI middleware: notes (in the request's context) when each HTTP request reached the hub."""

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _RECEIVED.set(self.clock())
        try:
            await self.app(scope, receive, send)
        finally:
            _RECEIVED.reset(token)


class HubTap(logging.Handler):
    """Keeps the hub's records of accepted, handled and sent commands as events (numbers masked).

    The ingress logs each accepted command at DEBUG only (an INFO line per command costs throughput), so
    while tapped the ``onepoint.ingress`` logger is set to DEBUG; ``close`` puts every level back."""

    LOGGERS = ("onepoint.ingress", "onepoint.worker", "onepoint.routing")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[Event] = []
        self._levels: dict[str, int] = {}

    def __enter__(self) -> HubTap:
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, level in self._levels.items():
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.setLevel(level)

    def emit(self, record: logging.LogRecord) -> None:
        event = self._event(record)
        if event is not None:
            self.acquire()
            try:
                self.events.append(event)
            finally:
                self.release()

    @staticmethod
    def _event(record: logging.LogRecord) -> Event | None:
        facts: dict[str, Any] = record.__dict__
        message = record.getMessage()
        if message == "command accepted":  # written once routed: stamped at the request's receipt when known
            caller = str(facts.get("caller") or "?")
            targets = ", ".join(facts.get("targets") or ()) or "nobody"
            received = _RECEIVED.get()
            at, took = (record.created, None) if received is None else (received, max(record.created - received, 0))
            return Event(at, f"{caller} ({facts.get('ingress', '?')})", "hub",
                         str(facts.get("command")), f"{facts.get('status')} → {targets}", "hub", took)
        if message == "message processed":
            outcome = mask_msisdn(str(facts.get("outcome", "")))
            return Event(record.created, "hub", f"{facts.get('consumer')} worker", str(facts.get("command_type")),
                         f"handled: {outcome}", "hub")
        if message == "command sent":
            targets = ", ".join(facts.get("targets") or ())
            return Event(record.created, "hub (handler)", f"queue {targets}", str(facts.get("command_type")),
                         f"sent (step {facts.get('step')})", "hub")
        return None


def system_events(urls: dict[str, str]) -> list[Event]:
    """Every call the hub made to each emulator, from its journal: arrival time, operation, status, latency."""
    events: list[Event] = []
    for name, url in urls.items():
        with EmulatorAdmin(url) as admin:
            entries = admin.journal(bodies=False)
        for entry in entries:
            if entry["method"] != "POST" or entry["path"] not in SERVICE_PATHS:
                continue
            took = float(entry["latency_ms"]) / 1000
            status = entry["status"]
            outcome = f"HTTP {status}" if status is not None else "no answer"
            events.append(Event(float(entry["timestamp"]) - took, "hub", SYSTEM_NAMES.get(name, name),
                                str(entry["operation"]), f"{outcome}, answered in {took * 1000:.0f} ms", "system",
                                took))
    return events
