"""How an emulator's requests reach its application: through the reset gate (:mod:`emulators.toolkit.resetgate`),
a WSGI application on the emulator's own threads, an ASGI one on the server's event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio.to_thread

from emulators.toolkit.answers import plain_response
from emulators.toolkit.asgi import ASGIApp, Scope, call_asgi
from emulators.toolkit.resetgate import ResetGate
from emulators.toolkit.wsgi import BufferedResponse, WSGIApp, call_wsgi

__all__ = ["ApplicationRunner"]


class ApplicationRunner:
    """Runs requests in the application; ``generation()`` is the journal generation a request is recorded under,
    read when it enters the gate."""

    def __init__(self, app: WSGIApp | ASGIApp, *, is_asgi: bool, name: str, log: logging.Logger,
                 generation: Callable[[], int], wsgi_threads: int = 16) -> None:
        self.app, self.is_asgi, self.name, self.log = app, is_asgi, name, log
        self.gate = ResetGate()
        self._generation = generation
        self._wsgi_threads = wsgi_threads
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, scope: Scope, body: bytes, receive: Callable[[], Any],
                  resets: int) -> tuple[BufferedResponse, int] | None:
        """The application's answer and the journal generation it ran in; None when a reset came since the
        request arrived (``resets``): it is not run."""
        if not self.is_asgi:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._wsgi_threads, thread_name_prefix=f"emulator-{self.name}")
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._run_wsgi, scope, body, resets)
        entered = self.gate.enter(resets, block=False)
        if entered is None:  # a reset is under way: wait for it off the event loop
            entered = await anyio.to_thread.run_sync(self.gate.enter, resets)
        if not entered:
            return None
        try:
            generation = self._generation()
            try:
                return await call_asgi(self.app, scope, body, receive), generation
            except Exception:
                return self._failed(), generation
        finally:
            self.gate.leave()

    def _run_wsgi(self, scope: Scope, body: bytes, resets: int) -> tuple[BufferedResponse, int] | None:
        """On the WSGI thread, after any wait for one: through the gate into the application."""
        if not self.gate.enter(resets):
            return None
        try:
            generation = self._generation()
            try:
                return call_wsgi(self.app, scope, body), generation
            except Exception:
                return self._failed(), generation
        finally:
            self.gate.leave()

    def _failed(self) -> BufferedResponse:
        self.log.exception("emulator %s: the application failed", self.name)
        return plain_response(500, "Internal Server Error")

    def close(self) -> None:
        """Stop the WSGI threads (requests still waiting for one are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
