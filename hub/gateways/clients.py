"""``ThreadClients``: one HTTP client per calling thread of a gateway, each reused for every call it makes.

A worker's handler threads each make one call at a time, so each needs one keep-alive connection. Shared, one
pool would hold a connection per thread, and httpcore checks *every* pooled connection for a server-side close
(one ``poll()`` system call each, the GIL released around it) on every request and again when the answer is read:
with 8 handler threads that was ~17 system calls, ~60 context switches and most of the per-call CPU of a lookup
in the hub process (bench/README.md, flows, 2026-12-04). A client of its own per thread checks its one
connection; the clients share their settings (timeouts, headers, credentials). The gateways' clients are
``HttpExchange`` (httpx's transport API, no ``httpx.Client`` per call: ``hub.gateways.exchange``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["Closable", "ThreadClients"]


class Closable(Protocol):
    """A client: ``close()`` it when done; ``is_closed`` once it is."""

    @property
    def is_closed(self) -> bool: ...

    def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=Closable)


class ThreadClients(Generic[ClientT]):
    """``get()``: the calling thread's client (made by ``factory`` on its first call); ``discard()`` closes the
    calling thread's (its next ``get()`` makes a new one); ``close()`` closes them all."""

    def __init__(self, factory: Callable[[], ClientT]) -> None:
        self._factory = factory
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[ClientT] = []
        self._closed = False

    def get(self) -> ClientT:
        client: ClientT | None = getattr(self._local, "client", None)
        if client is None or client.is_closed:
            client = self._factory()
            with self._lock:
                if self._closed:
                    client.close()
                    raise RuntimeError("the gateway is closed")
                self._all.append(client)
            self._local.client = client
        return client

    def discard(self) -> None:
        """Close the calling thread's client, if it has one: its connection holds what must not be read (a stray
        answer left on it), so the thread's next call opens a fresh one."""
        client: ClientT | None = getattr(self._local, "client", None)
        if client is None:
            return
        self._local.client = None
        with self._lock:
            if client in self._all:
                self._all.remove(client)
        client.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._all)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            clients, self._all = self._all, []
        for client in clients:
            client.close()
