"""In-process httpx transports for an emulator: no socket, same behaviour, same faults.

``EmulatorTransport`` (for ``httpx.AsyncClient``) and ``SyncEmulatorTransport`` (for ``httpx.Client``) call the
emulator's ASGI app directly. A reset fault becomes ``httpx.ReadError`` (what a client sees on a reset
connection); a hang waits for the client's read timeout (bounded by the fault's ``max_seconds``) and becomes
``httpx.ReadTimeout``, or ``httpx.ReadError`` if ``/__admin/reset`` releases it first::

    app = EmulatorApp(...)
    with httpx.Client(transport=SyncEmulatorTransport(app), base_url="http://boss.test") as client:
        client.post("/", content=envelope)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator
from typing import Any

import anyio.from_thread
import httpx

from emulators.toolkit.hooks import TRANSPORT_READ_TIMEOUT, EmulatedConnectionReset, EmulatedTimeout

__all__ = ["EmulatorTransport", "SyncEmulatorTransport"]


@contextlib.contextmanager
def _mapped_errors(request: httpx.Request) -> Generator[None, None, None]:
    try:
        yield
    except EmulatedTimeout as exc:
        raise httpx.ReadTimeout(str(exc), request=request) from exc
    except EmulatedConnectionReset as exc:
        raise httpx.ReadError(f"[Errno 104] Connection reset by peer (emulated: {exc})", request=request) from exc


class EmulatorTransport(httpx.ASGITransport):
    """``httpx.ASGITransport`` for an emulator, mapping emulated network faults to httpx errors."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        kwargs.setdefault("client", ("127.0.0.1", 40000))
        super().__init__(app, **kwargs)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = (request.extensions.get("timeout") or {}).get("read")
        token = TRANSPORT_READ_TIMEOUT.set(timeout if timeout is not None else None)
        try:
            with _mapped_errors(request):
                return await super().handle_async_request(request)
        finally:
            TRANSPORT_READ_TIMEOUT.reset(token)


class SyncEmulatorTransport(httpx.BaseTransport):
    """The same for ``httpx.Client``: runs the app on an event loop in a helper thread (started on first use)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        self._transport = EmulatorTransport(app, **kwargs)
        self._lock = threading.Lock()
        self._portal_cm: contextlib.AbstractContextManager[anyio.from_thread.BlockingPortal] | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def _get_portal(self) -> anyio.from_thread.BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal_cm = anyio.from_thread.start_blocking_portal("asyncio")
                self._portal = self._portal_cm.__enter__()
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body,
                              extensions=request.extensions)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._transport.handle_async_request(inner)
            return response.status_code, response.headers.raw, await response.aread()

        try:
            status, headers, content = self._get_portal().call(call)
        except httpx.TransportError as exc:
            raise type(exc)(str(exc), request=request) from exc
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        with self._lock:
            portal_cm, self._portal_cm, self._portal = self._portal_cm, None, None
        if portal_cm is not None:
            portal_cm.__exit__(None, None, None)
