"""Which message the running handler handles: a context variable set around each handler call (each handler thread
has its own context), so code below the handler that has no envelope in hand can tell whose call it is making.

A system's circuit breaker (``hub.gateways.breaker``) records whose calls failed or were held back since it last
closed; a message held back by the open circuit counts the failures the system answered it with as its own attempts
only when no other message's call failed or was held back meanwhile (``hub.workers.decisions``): then the system is
up and fails on that message alone, which is dead-lettered at the bound of attempts; when other messages wait too,
the system may be down for everyone and the waiting messages count nothing.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["handling"]

handling: ContextVar[str | None] = ContextVar("onepoint-handling", default=None)  # the message id being handled
