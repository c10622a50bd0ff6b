"""Handlers: plain functions registered by command type, with their dependencies injected by name.

::

    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")                      # a request: it answers
    def query_tier(envelope: Envelope, boss: BossClient) -> Reply:
        if not boss.knows(envelope.payload):
            raise BusinessRejection("no such subscriber", code="subscriber-not-found")  # the answer: c:Error
        return Reply(boss.tier_response(envelope.payload))           # the <Command>Response document

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")   # only on the workflow queue
    def create(envelope: Envelope, outbound: Sender, context: HandlerContext) -> str:
        outbound.send(dispatch_document(envelope), step="dispatch-nsp")  # routed, validated, confirmed
        return "dispatched"                                          # the outcome recorded for the id

The first parameter receives the ``Envelope``; every other parameter is looked up **by name** in the
dependencies given to the ``Worker`` (or ``WorkerTestClient``), plus the built-ins: ``context``
(``HandlerContext``: consumer, attempt, message), ``message`` (the transport ``Message``) and, when the
worker has an outbound path, ``outbound`` (a ``hub.routing.outbound.Sender`` bound to this message: what it
sends carries message ids derived from this message and the step, so a redelivery sends the same ids).
Missing dependencies fail when the Worker is built, never at message time.

A handler returns its outcome (a ``str`` recorded in the processed store, default ``"done"``), or for a
request (a message with ``reply_to``, from a route with ``reply_timeout``) a ``Reply``: the worker records
it with the outcome and sends it to the requester only afterwards. A request handler that returns anything else
has done its effect all the same: its answer is the ``c:Error`` ``handler-gave-no-answer``, recorded like a
``Reply`` (``hub.workers.attempts``). A handler must have *committed* its effect when it returns: the runtime
records the id and acks only afterwards.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.envelope import Envelope
from hub.transport.message import Message
from hub.workers.errors import UnknownCommandError

__all__ = ["BUILTINS", "OUTBOUND", "HandlerContext", "HandlerRegistry", "HandlerSpec"]

BUILTINS = frozenset({"context", "message"})
OUTBOUND = "outbound"  # a built-in when the worker has an outbound path

HandlerFunc = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class HandlerContext:
    consumer: str
    attempt: int  # 1-based, over every delivery of this message (retries through the tiers included)
    message: Message


@dataclass(frozen=True, slots=True)
class HandlerSpec:
    command_type: str
    consumer: str | None
    func: HandlerFunc
    dependencies: tuple[str, ...]  # parameter names after the envelope
    reads: bool = False  # it only reads: a repeat is answered afresh, never from a record (``fingerprint``)

    @property
    def name(self) -> str:
        return getattr(self.func, "__qualname__", repr(self.func))

    def call(self, envelope: Envelope, resolved: Mapping[str, Any]) -> Any:
        """Run the handler; its result as returned (the ``Processor`` reads it as an outcome or a ``Reply``)."""
        return self.func(envelope, **{name: resolved[name] for name in self.dependencies})


def _dependencies(func: HandlerFunc) -> tuple[str, ...]:
    params = list(inspect.signature(func).parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        raise TypeError(f"handler {func!r} must take the envelope as its first positional parameter")
    names = []
    for p in params[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(f"handler {func!r}: *args/**kwargs cannot be injected")
        if p.default is p.empty:
            names.append(p.name)
    return tuple(names)


class HandlerRegistry:
    """Command type (``"<set>.<Command>"``, optionally per consumer) → handler."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str | None, str], HandlerSpec] = {}

    def handler(self, command_type: str, *, consumer: str | None = None,
                reads: bool = False) -> Callable[[HandlerFunc], HandlerFunc]:
        """Register ``func`` for ``command_type``; ``reads``: a request that only reads (a query), whose repeat is
        answered afresh whatever its record holds (``hub.workers.fingerprint.answered_unkept``)."""
        def register(func: HandlerFunc) -> HandlerFunc:
            self.add(command_type, func, consumer=consumer, reads=reads)
            return func

        return register

    def add(self, command_type: str, func: HandlerFunc, *, consumer: str | None = None,
            reads: bool = False) -> HandlerSpec:
        if "." not in command_type:
            raise ValueError(f"command type {command_type!r} is not '<set>.<Command>'")
        key = (consumer, command_type)
        if key in self._specs:
            raise ValueError(f"a handler for {command_type!r} (consumer {consumer!r}) is already registered")
        spec = HandlerSpec(command_type, consumer, func, _dependencies(func), reads)
        self._specs[key] = spec
        return spec

    def resolve(self, consumer: str, command_type: str) -> HandlerSpec:
        """The consumer's own handler, else the one for every consumer; ``UnknownCommandError`` if none."""
        spec = self._specs.get((consumer, command_type)) or self._specs.get((None, command_type))
        if spec is None:
            raise UnknownCommandError(consumer, command_type)
        return spec

    def for_consumer(self, consumer: str) -> list[HandlerSpec]:
        return [s for (c, _), s in self._specs.items() if c in (None, consumer)]

    def needs(self, consumer: str, name: str) -> bool:
        """True if a handler of ``consumer`` asks for ``name`` (e.g. ``outbound``)."""
        return any(name in spec.dependencies for spec in self.for_consumer(consumer))

    def check_dependencies(self, consumer: str, available: Mapping[str, Any]) -> None:
        """Raise ``LookupError`` naming every dependency the consumer's handlers need and nobody provides."""
        missing = sorted(
            f"{spec.name}({name})"
            for spec in self.for_consumer(consumer)
            for name in spec.dependencies
            if name not in available and name not in BUILTINS
        )
        if missing:
            raise LookupError(f"handlers of consumer {consumer!r} need undeclared dependencies: {missing}")
