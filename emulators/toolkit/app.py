"""The emulator wrapper: any WSGI or ASGI application becomes an emulator with faults, a journal and an admin API.

An emulator plugs in with an ordinary app plus :class:`~emulators.toolkit.hooks.EmulatorHooks`::

    hooks = EmulatorHooks(protocol="soap11", reset=store.reset, state=store.snapshot)
    app = EmulatorApp(spyne_wsgi_app, name="boss", hooks=hooks, seed=42)

The result is an ASGI application (WSGI apps run in a thread pool owned by the emulator). Requests and responses
are fully buffered. A connection reset needs the runner's server (:mod:`emulators.toolkit.runner`), which gives the
request an ``onepoint.abort`` extension that resets the TCP connection; without it (an in-process transport) the
emulator raises :class:`EmulatedConnectionReset` / :class:`EmulatedTimeout`, which
:mod:`emulators.toolkit.transport` turns into the matching httpx errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any, Literal

from emulators.toolkit.admin import AdminAPI
from emulators.toolkit.clock import Clock, Releaser, SystemClock
from emulators.toolkit.faults import Decision, Fault, FaultEngine
from emulators.toolkit.hooks import (
    ABORT_EXTENSION,
    ADMIN_PREFIX,
    TRANSPORT_READ_TIMEOUT,
    EmulatedConnectionReset,
    EmulatedTimeout,
    EmulatorHooks,
)
from emulators.toolkit.journal import DEFAULT_BODY_CAP, DEFAULT_CAPACITY, Journal
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.wsgi import BufferedResponse, WSGIApp, call_wsgi
from emulators.toolkit.xmlutil import soap11_fault

__all__ = ["EmulatorApp", "plain_response"]

ASGIApp = Callable[..., Any]
Scope = dict[str, Any]


def _is_asgi(app: Any) -> bool:
    call = type(app).__call__ if not inspect.isfunction(app) and not inspect.ismethod(app) else app
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


async def _until_disconnect(receive: Callable[[], Any]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send(send: Callable[[dict[str, Any]], Any], resp: BufferedResponse) -> None:
    await send({"type": "http.response.start", "status": resp.status, "headers": resp.headers})
    await send({"type": "http.response.body", "body": resp.body})


def plain_response(status: int, text: str, content_type: bytes = b"text/plain; charset=utf-8") -> BufferedResponse:
    body = text.encode("utf-8")
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    return BufferedResponse(status, headers, body)


class EmulatorApp:
    """An ASGI application: the admin API under ``/__admin/``, everything else through faults and the journal."""

    def __init__(
        self, app: WSGIApp | ASGIApp, *, name: str, hooks: EmulatorHooks | None = None,
        interface: Literal["auto", "wsgi", "asgi"] = "auto", seed: int | str = 0,
        journal_capacity: int = DEFAULT_CAPACITY, body_cap: int = DEFAULT_BODY_CAP,
        max_body: int = 10 * 1024 * 1024, clock: Clock | None = None, wsgi_threads: int = 16,
    ) -> None:
        self.app = app
        self.name = name
        self.hooks = hooks or EmulatorHooks()
        self.is_asgi = _is_asgi(app) if interface == "auto" else interface == "asgi"
        self.clock: Clock = clock or SystemClock()
        self.faults = FaultEngine(seed, self.clock)
        self.journal = Journal(journal_capacity, body_cap)
        self.releaser = Releaser()
        self.max_body = max_body
        self.log = emulator_logger(name)
        self.hanging = 0
        self._hang_lock = threading.Lock()
        self._wsgi_threads = wsgi_threads
        self._executor: ThreadPoolExecutor | None = None
        self._admin = AdminAPI(self)

    # -- lifecycle and admin operations -------------------------------------------------------------------
    def reset(self, seed: int | str | None = None) -> None:
        """Faults, journal and the emulator's own state back to the seeded start; pending hangs released."""
        self.releaser.release_all()
        self.faults.clear(seed)
        self.journal.reset()
        if self.hooks.reset is not None:
            self.hooks.reset()
        log_event(self.log, logging.INFO, "emulator.reset", emulator=self.name, seed=self.faults.seed)

    def state(self) -> dict[str, Any]:
        return dict(self.hooks.state()) if self.hooks.state is not None else {}

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok", "emulator": self.name, "seed": self.faults.seed, "faults": len(self.faults.list()),
            "hanging": self.hanging, "journal": {
                "entries": len(self.journal), "capacity": self.journal.capacity, "body_cap": self.journal.body_cap,
                "recorded": self.journal.total_recorded, "stored_bytes": self.journal.stored_bytes,
            },
        }

    def close(self) -> None:
        """Release every wait for good and stop the WSGI thread pool (the runner calls this on shutdown)."""
        self.releaser.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def reopen(self) -> None:
        self.releaser.reopen()

    # -- ASGI ---------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Callable[[], Any], send: Callable[[dict[str, Any]], Any]) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        try:
            body = await self._read_body(receive)
        except ValueError:
            await _send(send, plain_response(413, "request body too large"))
            return
        if body is None:  # the client left before sending its request
            return
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            await _send(send, self._admin.handle(scope, body))
            return
        await self._emulate(scope, body, receive, send)

    async def _read_body(self, receive: Callable[[], Any]) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise ValueError("body too large")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _emulate(self, scope: Scope, body: bytes, receive: Callable[[], Any], send: Callable[..., Any]) -> None:
        started = self.clock.monotonic()
        try:
            operation = self.hooks.operation_of(body, scope)
        except Exception:  # a buggy extractor must not take the emulator down
            self.log.exception("operation extractor failed")
            operation = None
        decision = self.faults.decide(operation)
        if decision.delay > 0:
            await self.clock.sleep(decision.delay, self.releaser)
        terminal = decision.terminal
        if terminal is not None and terminal.kind in ("reset", "hang"):
            await self._no_answer(scope, body, receive, operation, decision, terminal, started)
            return
        if terminal is not None:
            resp = self._render_error(operation, terminal)
        else:
            resp = await self._call_app(scope, body, receive)
        self._record(scope, body, operation, decision, resp.status, resp.body, started)
        await _send(send, resp)

    async def _call_app(self, scope: Scope, body: bytes, receive: Callable[[], Any]) -> BufferedResponse:
        try:
            if not self.is_asgi:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(self._wsgi_threads, thread_name_prefix=f"emulator-{self.name}")
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, call_wsgi, self.app, scope, body)
            return await self._call_asgi(scope, body, receive)
        except Exception:
            self.log.exception("emulator %s: the application failed", self.name)
            return plain_response(500, "Internal Server Error")

    async def _call_asgi(self, scope: Scope, body: bytes, receive: Callable[[], Any]) -> BufferedResponse:
        resp = BufferedResponse(500)
        chunks: list[bytes] = []
        delivered = False

        async def app_receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # type: ignore[no-any-return]

        async def app_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                resp.status = message["status"]
                resp.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        asgi_app: ASGIApp = self.app
        await asgi_app(scope, app_receive, app_send)
        resp.body = b"".join(chunks)
        return resp

    def _render_error(self, operation: str | None, fault: Fault) -> BufferedResponse:
        status, message = fault.status or 500, fault.message or "injected error"
        if self.hooks.render_error is not None:
            return self.hooks.render_error(operation, status, message)
        if self.hooks.protocol == "soap11":
            body = soap11_fault(message, "Server")
            return BufferedResponse(500, [(b"content-type", b"text/xml; charset=utf-8"),
                                          (b"content-length", str(len(body)).encode())], body)
        return plain_response(status, f"{status} {HTTPStatus(status).phrase}: {message}")

    async def _no_answer(
        self, scope: Scope, body: bytes, receive: Callable[[], Any], operation: str | None,
        decision: Decision, fault: Fault, started: float,
    ) -> None:
        abort = (scope.get("extensions") or {}).get(ABORT_EXTENSION)
        outcome = "reset"
        if fault.kind == "hang":
            limit = fault.max_seconds
            if abort is None and TRANSPORT_READ_TIMEOUT.get() is not None:
                limit = min(limit, TRANSPORT_READ_TIMEOUT.get() or limit)
            outcome = await self._hang(receive, limit)
        self._record(scope, body, operation, decision, None, b"", started)
        log_event(self.log, logging.DEBUG, "fault.no_answer", emulator=self.name, kind=fault.kind, outcome=outcome)
        if abort is None:
            if outcome == "timeout":
                raise EmulatedTimeout(f"{self.name}: no answer ({fault.id} hang)")
            raise EmulatedConnectionReset(f"{self.name}: connection reset ({fault.id} {fault.kind})")
        if outcome != "disconnected":
            abort()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_until_disconnect(receive), 5.0)

    async def _hang(self, receive: Callable[[], Any], limit: float) -> str:
        with self._hang_lock:
            self.hanging += 1
        waiter = asyncio.ensure_future(self.releaser.wait(limit))
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        try:
            done, _ = await asyncio.wait({waiter, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            with self._hang_lock:
                self.hanging -= 1
            for task in (waiter, watcher):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if watcher in done:
            return "disconnected"
        return "released" if waiter.result() else "timeout"

    def _record(
        self, scope: Scope, body: bytes, operation: str | None, decision: Decision, status: int | None,
        response: bytes, started: float,
    ) -> None:
        latency = self.clock.monotonic() - started
        self.journal.record(
            time=self.clock.now(), operation=operation, method=scope["method"], path=scope["path"], status=status,
            latency=latency, request_body=body, response_body=response, faults=decision.applied,
        )
        log_event(self.log, logging.DEBUG, "request", emulator=self.name, operation=operation, status=status,
                  latency_ms=round(latency * 1000, 3), faults=[f["id"] for f in decision.applied])
