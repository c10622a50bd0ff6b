"""What a separate ``onepoint worker`` process answers on ``--metrics-port``: ``/metrics``, ``/healthz`` and
``/readyz``, as ``onepoint serve`` answers them for the workers in its own process.

On ``amqp://`` a consumer may run in processes of its own (competing consumers): its circuit breaker and its
database live there, not in the hub's process, so the hub's ``/readyz`` cannot name them. The worker's
``/readyz`` has the hub's shape: ``ready`` (the broker connected and the queue consumed: a consumer the broker
cancelled, its queue deleted or its leader moved, is ``consuming`` false, 503, until it consumes again), ``checks``
(``broker``; ``database`` for the workflow's store, ``processed_store`` for the shared PostgreSQL processed store,
checked in the background by ``hub.system.health``), ``circuits`` and ``open`` (this process's breakers),
``failing`` (why), ``status`` (``ok``, ``degraded``: an open circuit or a failing database, ``unready``: 503).
Served on 127.0.0.1 only, by the server the hub runs on (``hub.http.background``), with its limits
(``[server] read_timeout_seconds``, ``max_connections``): a request head that stalls is answered 408 and closed, and
over the cap only the probes are answered, so stalled clients cannot use up the worker's file descriptors.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from hub.gateways import CircuitBreakers
from hub.http.background import BackgroundServer
from hub.http.protocol import DEFAULT_READ_TIMEOUT
from hub.observability.metrics import Metrics
from hub.observability.probes import BackgroundProbe

__all__ = ["WorkerProbes", "serve_worker_probes"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class WorkerProbes:
    """The readiness of one worker process: its broker connection, its circuits, its background probes."""

    def __init__(self, consumer: str, broker_ready: Callable[[], bool], breakers: CircuitBreakers | None = None,
                 probes: Iterable[BackgroundProbe] = (),
                 broker_reason: Callable[[], str | None] = lambda: None,
                 interrupted: Callable[[], Mapping[str, str]] = dict) -> None:
        self.consumer = consumer
        self.interrupted = interrupted  # queue → why the broker's cancel left it unconsumed
        self.broker_ready = broker_ready
        self.broker_reason = broker_reason
        self.breakers = breakers
        self.probes = list(probes)

    def watch(self, probe: BackgroundProbe | None, metrics: Metrics) -> BackgroundProbe | None:
        """Check ``probe`` in the background from now on (None: nothing to check), for ``/readyz`` and
        ``onepoint_dependency_up{dependency=probe.name}``; ``stop()`` ends it. Returns ``probe``."""
        if probe is not None:
            self.probes.append(probe.start())
            metrics.track_dependency(probe.name, probe.ok)
        return probe

    def stop(self) -> None:
        """Stop checking the probes."""
        for probe in self.probes:
            probe.stop()

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """``(ready, body)`` of ``/readyz``."""
        checks: dict[str, bool] = {"broker": self.broker_ready()}
        failing: dict[str, str] = {}
        if not checks["broker"]:
            failing["broker"] = f"{self.broker_reason() or 'not connected'}: nothing is consumed"
        ready = checks["broker"]
        if ready and (interrupted := self.interrupted()):  # connected, yet its queue not consumed: unready too
            checks["consuming"] = ready = False
            failing["consuming"] = "; ".join(interrupted[queue] for queue in sorted(interrupted))
        for probe in self.probes:  # last known states: no call to the dependency here
            state = probe.state()
            checks[probe.name] = state.ok
            if not state.ok:
                failing[probe.name] = state.reason or "failing"
        body: dict[str, Any] = {"consumer": self.consumer, "ready": ready, "checks": checks}
        degraded = bool(failing)
        if self.breakers is not None:
            circuits = self.breakers.readiness()
            body.update(circuits)
            degraded = degraded or bool(circuits["open"])
        if failing:
            body["failing"] = failing
        body["status"] = "unready" if not ready else "degraded" if degraded else "ok"
        return ready, body


async def _answer(send: Send, status: int, payload: bytes, media_type: str) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", media_type.encode()), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    await _answer(send, status, json.dumps(body).encode(), "application/json")


def serve_worker_probes(port: int, registry: CollectorRegistry, probes: WorkerProbes, *,
                        read_timeout: float = DEFAULT_READ_TIMEOUT,
                        max_connections: int | None = None) -> BackgroundServer:
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` on 127.0.0.1:``port`` (0: a free one) in a daemon thread,
    with the hub server's limits (``max_connections`` None: half the open-file limit); the server (``port`` is the
    port bound; ``shutdown()`` stops it). ``OSError`` if it cannot bind."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if path == "/healthz":
            await _json(send, 200, {"status": "alive", "consumer": probes.consumer})
        elif path == "/readyz":  # on a worker thread: the probes' loop stays free if a state read ever waits
            ready, body = await anyio.to_thread.run_sync(probes.readiness)
            await _json(send, 200 if ready else 503, body)
        else:  # rendered on a worker thread, as the hub renders its own: a collector may wait on a database
            await _answer(send, 200, await anyio.to_thread.run_sync(generate_latest, registry), CONTENT_TYPE_LATEST)

    return BackgroundServer(app, "127.0.0.1", port, name="worker-probes", read_timeout=read_timeout,
                            max_connections=max_connections)
