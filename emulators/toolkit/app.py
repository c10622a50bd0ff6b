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
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import anyio.to_thread

from emulators.toolkit.admin import AdminAPI
from emulators.toolkit.answers import plain_response, render_injected_error
from emulators.toolkit.apprunner import ApplicationRunner
from emulators.toolkit.asgi import (
    ASGIApp,
    Scope,
    hold,
    in_thread_until_disconnect,
    is_asgi,
    send_buffered,
    until_disconnect,
)
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
from emulators.toolkit.journal import DEFAULT_BODY_CAP, DEFAULT_CAPACITY, DEFAULT_MAX_STORED_BYTES, Journal
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.startfaults import StartupFaults
from emulators.toolkit.wsgi import BufferedResponse, WSGIApp

__all__ = ["EmulatorApp", "plain_response"]

class EmulatorApp:
    """An ASGI application: the admin API under ``/__admin/``, everything else through faults and the journal."""

    def __init__(
        self, app: WSGIApp | ASGIApp, *, name: str, hooks: EmulatorHooks | None = None,
        interface: Literal["auto", "wsgi", "asgi"] = "auto", seed: int | str = 0,
        journal_capacity: int = DEFAULT_CAPACITY, body_cap: int = DEFAULT_BODY_CAP,
        max_journal_bytes: int = DEFAULT_MAX_STORED_BYTES, journal_query_seconds: float = 10.0,
        max_body: int = 10 * 1024 * 1024, clock: Clock | None = None, wsgi_threads: int = 16,
        faults: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self.app = app
        self.name = name
        self.hooks = hooks or EmulatorHooks()
        self.is_asgi = is_asgi(app) if interface == "auto" else interface == "asgi"
        self.clock: Clock = clock or SystemClock()
        self.data_seed = seed  # what the emulator's data was made from; a reset's seed changes the faults' only
        self.faults = FaultEngine(seed, self.clock, operations=self.hooks.operations)
        self.log = emulator_logger(name)
        self.startup_faults = StartupFaults(self.faults, self.log, name)  # installed again by every reset
        self.startup_faults.add(faults)
        self.journal = Journal(journal_capacity, body_cap, max_journal_bytes)
        self.journal_query_seconds = journal_query_seconds
        self.releaser = Releaser()
        self.max_body = max_body
        self.hanging = 0
        self._hang_lock = threading.Lock()
        self._runner = ApplicationRunner(app, is_asgi=self.is_asgi, name=name, log=self.log,
                                         generation=lambda: self.journal.generation, wsgi_threads=wsgi_threads)
        self._gate = self._runner.gate
        self._admin = AdminAPI(self)

    # -- lifecycle and admin operations -------------------------------------------------------------------
    @property
    def resets(self) -> int:
        """How many resets have begun."""
        return self._gate.resets

    def reset(self, seed: int | str | None = None) -> None:
        """Faults (the start-up ones installed again: :mod:`emulators.toolkit.startfaults`), journal and the
        emulator's own state back to the seeded start; pending hangs and delays released
        (a request they held is not passed on, nor journalled: its connection is reset), and so is a request that
        arrived before the reset and had not reached the application; one the application was running is waited
        for (:mod:`emulators.toolkit.resetgate`). Blocks while it waits: the admin API calls it off the event loop."""
        # counted before the release: a released request sees it
        with self._gate.resetting(begun=self.releaser.release_all) as drained:
            if not drained:
                self.log.warning("emulator %s: reset while requests still ran in the application", self.name)
            self.faults.clear(seed)
            self.startup_faults.reinstall()
            self.journal.reset()
            if self.hooks.reset is not None:
                self.hooks.reset()
        log_event(self.log, logging.INFO, "emulator.reset", emulator=self.name, seed=self.faults.seed)

    def state(self) -> dict[str, Any]:
        return dict(self.hooks.state()) if self.hooks.state is not None else {}

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok", "emulator": self.name, "seed": self.faults.seed, "data_seed": self.data_seed,
            "faults": len(self.faults.list()),
            "hanging": self.hanging, "journal": {
                "entries": len(self.journal), "capacity": self.journal.capacity, "body_cap": self.journal.body_cap,
                "recorded": self.journal.total_recorded, "stored_bytes": self.journal.stored_bytes,
                "max_stored_bytes": self.journal.max_stored_bytes, "dropped": self.journal.dropped,
            },
        }

    def close(self) -> None:
        """Release every wait for good and stop the WSGI thread pool (the runner calls this on shutdown)."""
        self.releaser.close()
        self._runner.close()

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
            await send_buffered(send, plain_response(413, "request body too large"))
            return
        if body is None:  # the client left before sending its request
            return
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            if self._admin.is_query(scope):  # slow: off the event loop, stopped when its client leaves
                answer = await in_thread_until_disconnect(lambda gone: self._admin.handle(scope, body, gone), receive)
                await send_buffered(send, answer)
            elif self._admin.is_reset(scope):  # waits for the requests being run: off the event loop
                await send_buffered(send, await anyio.to_thread.run_sync(self._admin.handle, scope, body))
            else:
                await send_buffered(send, self._admin.handle(scope, body))
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
        generation, started, resets = self.journal.generation, self.clock.monotonic(), self.resets
        try:
            operation = self.hooks.operation_of(body, scope)
        except Exception:  # a buggy extractor must not take the emulator down
            self.log.exception("operation extractor failed")
            operation = None
        decision = self.faults.decide(operation, operation_request=self.hooks.is_operation_request(scope, operation))
        if decision.delay > 0:
            await self.clock.sleep(decision.delay, self.releaser)
            if self.resets != resets:  # reset while delayed: the request belongs to before the reset
                await self._abort(scope, receive, "the emulator was reset while the request was delayed")
                return
        terminal = decision.terminal
        if terminal is not None and terminal.kind in ("reset", "hang"):
            await self._no_answer(scope, body, receive, operation, decision, terminal, (started, generation))
            return
        applied = decision.applied
        if terminal is not None:
            resp = self._render_error(operation, terminal)
            applied = tuple({**a, "status": resp.status} if a["id"] == terminal.id else a for a in applied)
        else:
            answered = await self._runner.run(scope, body, receive, resets)
            if answered is None:  # reset since it arrived: it belongs to before the reset
                await self._abort(scope, receive, "the emulator was reset before the request reached it")
                return
            resp, generation = answered
        self._record(scope, body, operation, applied, resp.status, resp.body, (started, generation))
        await send_buffered(send, resp)

    def _render_error(self, operation: str | None, fault: Fault) -> BufferedResponse:
        """The injected error, sent with the fault's status (the journal records the status really sent)."""
        status, message = fault.status or 500, fault.message or "injected error"
        try:
            return render_injected_error(self.hooks, operation, status, message)
        except Exception:  # a buggy render_error hook must not take the emulator down
            self.log.exception("emulator %s: render_error failed", self.name)
            return plain_response(status, f"{status}: {message}")

    async def _no_answer(
        self, scope: Scope, body: bytes, receive: Callable[[], Any], operation: str | None,
        decision: Decision, fault: Fault, started: tuple[float, int],
    ) -> None:
        abort = (scope.get("extensions") or {}).get(ABORT_EXTENSION)
        outcome = "reset"
        if fault.kind == "hang":
            limit = fault.max_seconds
            if abort is None and TRANSPORT_READ_TIMEOUT.get() is not None:
                limit = min(limit, TRANSPORT_READ_TIMEOUT.get() or limit)
            outcome = await self._hang(receive, limit)
        self._record(scope, body, operation, decision.applied, None, b"", started)
        log_event(self.log, logging.DEBUG, "fault.no_answer", emulator=self.name, kind=fault.kind, outcome=outcome)
        if abort is None and outcome == "timeout":
            raise EmulatedTimeout(f"{self.name}: no answer ({fault.id} hang)")
        await self._abort(scope, receive, f"{fault.id} {fault.kind}", disconnected=outcome == "disconnected")

    async def _abort(self, scope: Scope, receive: Callable[[], Any], why: str, *, disconnected: bool = False) -> None:
        """Reset the connection (in-process: raise :class:`EmulatedConnectionReset`)."""
        abort = (scope.get("extensions") or {}).get(ABORT_EXTENSION)
        if abort is None:
            raise EmulatedConnectionReset(f"{self.name}: connection reset ({why})")
        if not disconnected:
            abort()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until_disconnect(receive), 5.0)

    async def _hang(self, receive: Callable[[], Any], limit: float) -> str:
        with self._hang_lock:
            self.hanging += 1
        try:
            return await hold(self.releaser, receive, limit)
        finally:
            with self._hang_lock:
                self.hanging -= 1

    def _record(
        self, scope: Scope, body: bytes, operation: str | None, applied: tuple[dict[str, Any], ...],
        status: int | None, response: bytes, started: tuple[float, int],
    ) -> None:
        """Journal the request; ``started``: (monotonic time, journal generation) when it arrived."""
        latency = self.clock.monotonic() - started[0]
        self.journal.record(
            time=self.clock.now(), operation=operation, method=scope["method"], path=scope["path"], status=status,
            latency=latency, request_body=body, response_body=response, faults=applied, generation=started[1],
        )
        log_event(self.log, logging.DEBUG, "request", emulator=self.name, operation=operation, status=status,
                  latency_ms=round(latency * 1000, 3), faults=[f["id"] for f in applied])
