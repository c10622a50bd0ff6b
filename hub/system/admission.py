"""``AdmissionGate``: the ASGI middleware that refuses new work with 503 once the system is stopping.

Under ``onepoint serve`` the server has stopped taking requests before the system stops (the app's shutdown runs
after uvicorn closed its socket), so the gate only matters when ``HubSystem.stop`` is called while the server
still runs: the queues being drained then receive nothing new. Health, readiness and metrics stay answered.
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["Admission", "AdmissionGate"]

ALWAYS_ANSWERED = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_SECONDS = 5


class Admission:
    """Open until ``close()``; thread-safe (the system stops from another thread than the event loop's)."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    @property
    def open(self) -> bool:
        return not self._closed.is_set()

    def close(self) -> None:
        self._closed.set()


class AdmissionGate:
    """Pass requests to ``app`` while ``admission`` is open; answer 503 (``Retry-After``) to new work after."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.admission.open or scope.get("path") in ALWAYS_ANSWERED:
            await self.app(scope, receive, send)
            return
        body: dict[str, Any] = {"error": "stopping", "reason": "the hub is stopping and takes no new work"}
        response = JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        await response(scope, receive, send)
