"""What a separate ``onepoint worker`` process answers on ``--metrics-port``: ``/metrics``, ``/healthz`` and
``/readyz``, as ``onepoint serve`` answers them for the workers in its own process.

On ``amqp://`` a consumer may run in processes of its own (competing consumers): its circuit breaker and its
database live there, not in the hub's process, so the hub's ``/readyz`` cannot name them. The worker's
``/readyz`` has the hub's shape: ``ready`` (the broker connected), ``checks`` (``broker``; ``database`` for the
workflow's store, ``processed_store`` for the shared PostgreSQL processed store, checked in the background by
``hub.system.health``), ``circuits`` and ``open`` (this process's breakers), ``failing`` (why), ``status`` (``ok``,
``degraded``: an open circuit or a failing database, ``unready``: 503). Served on 127.0.0.1 only, by the same
threaded WSGI server ``prometheus_client`` uses for ``/metrics``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler

from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.observability.probes import BackgroundProbe

__all__ = ["WorkerProbes", "serve_worker_probes"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class WorkerProbes:
    """The readiness of one worker process: its broker connection, its circuits, its background probes."""

    def __init__(self, consumer: str, broker_ready: Callable[[], bool], breakers: CircuitBreakers | None = None,
                 probes: Iterable[BackgroundProbe] = (),
                 broker_reason: Callable[[], str | None] = lambda: None) -> None:
        self.consumer = consumer
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


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def serve_worker_probes(port: int, registry: CollectorRegistry, probes: WorkerProbes) -> ThreadingWSGIServer:
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` on 127.0.0.1:``port`` (0: a free one) in a daemon thread;
    the server (``server_address[1]`` is the port bound; ``shutdown()`` stops it). ``OSError`` if it cannot bind."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "alive", "consumer": probes.consumer})
        if path == "/readyz":
            ready, body = probes.readiness()
            return _json(start_response, "200 OK" if ready else "503 Service Unavailable", body)
        return metrics_app(environ, start_response)  # type: ignore[no-any-return]

    server = make_server("127.0.0.1", port, app, ThreadingWSGIServer, handler_class=_SilentHandler)
    threading.Thread(target=server.serve_forever, name="worker-probes", daemon=True).start()
    return server
