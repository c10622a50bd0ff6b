"""The Router interface: where ingress hands accepted commands."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol, runtime_checkable

from hub.envelope import Envelope
from hub.values import value_class

__all__ = ["InMemoryRouter", "MessageIdReused", "RouteResult", "Router"]


class MessageIdReused(Exception):
    """A command under the message id of another command its system sent before (another document): refused,
    never taken for its duplicate (the source system and the message id are the idempotency key: the same id from
    the same system, the same command)."""

    def __init__(self, envelope: Envelope) -> None:
        super().__init__(f"message id {envelope.message_id} was already used for another command; the same id "
                         "must carry the same document: send a new id")


@value_class
class RouteResult:
    """What routing did with one envelope: the targets it was delivered to, confirmed, and for a request the
    reply document."""

    message_id: str
    targets: tuple[str, ...]
    duplicate: bool = False
    reply: bytes | None = None  # a request's answer: the consumer's response document


@runtime_checkable
class Router(Protocol):
    """Accepts an envelope and returns only once it is safely handed on (e.g. confirmed by the broker).

    Raising means the envelope was *not* accepted: the ingress answers with an error and the caller retries.
    """

    async def route(self, envelope: Envelope) -> RouteResult: ...

    async def ready(self) -> bool: ...


class InMemoryRouter:
    """Keeps routed envelopes in memory, in order. For the embedded quick-start and for tests."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self.envelopes: deque[Envelope] = deque(maxlen=maxlen)
        self._seen: dict[tuple[str, str], tuple[RouteResult, str]] = {}  # by (source, id)
        self._lock = asyncio.Lock()

    async def route(self, envelope: Envelope) -> RouteResult:
        async with self._lock:
            key = envelope.idempotency_key
            if key in self._seen:
                prior, fingerprint = self._seen[key]
                if fingerprint != envelope.fingerprint():
                    raise MessageIdReused(envelope)
                return RouteResult(prior.message_id, prior.targets, duplicate=True)
            self.envelopes.append(envelope)
            result = RouteResult(envelope.message_id, (envelope.system,))
            self._seen[key] = (result, envelope.fingerprint())
            if len(self._seen) > 4 * (self.envelopes.maxlen or 10_000):
                self._seen.pop(next(iter(self._seen)))
            return result

    async def ready(self) -> bool:
        return True
