"""The canonical envelope: one accepted command as it travels through the hub."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from hub.values import value_class

__all__ = ["HUB_SYSTEM", "Envelope", "document_fingerprint", "new_message_id", "now_in_whole_seconds"]

_NO_FACTS: Mapping[str, tuple[str, ...]] = MappingProxyType({})


class _SecondClock:
    """The time in whole seconds of UTC, built as a ``datetime`` once per second (building it costs ~0.9 µs;
    every command accepted in the same second shares one). Thread-safe: the cache is one tuple, swapped whole."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = (0, datetime.fromtimestamp(0, UTC))

    def now(self) -> datetime:
        second = int(time.time())
        last = self._last
        if last[0] != second:
            last = self._last = (second, datetime.fromtimestamp(second, UTC))
        return last[1]


now_in_whole_seconds = _SecondClock().now
"""The current time in whole seconds of UTC: what an envelope's ``received_at`` holds (and the AMQP
``timestamp`` property carries exactly)."""


# the Header's SentAt (attributes allowed: a namespace declaration may stand on it)
_SENT_AT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?SentAt(?:\s[^>]*)?>[^<]*</(?:[A-Za-z_][\w.-]*:)?SentAt>")
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")


def document_fingerprint(source_system: str, command_type: str, document: bytes) -> str:
    """The SHA-256 (hex) of a command's source system, type and document as written, but for what a retry may
    change without being another command: its ``SentAt`` (sent again at another time), an XML declaration and the
    whitespace around the root. Measured against canonical XML (C14N: attribute order, namespace declarations)
    in bench/README.md: it cost the ingress 10 % of its rate; a client's retries are its own bytes again.

    The patterns read ASCII-compatible bytes (UTF-8, GBK...): the XML ingress sends on a UTF-16 or UTF-32 body, and
    one read in an encoding it does not name, as its parsed document in UTF-8 (`hub.validation.parser
    .read_document`), so that a retry of it with a new ``SentAt`` is the same command too."""
    digest = hashlib.sha256()
    body = _SENT_AT.sub(b"", _DECLARATION.sub(b"", document, count=1).strip())
    for part in (source_system.encode(), command_type.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


HUB_SYSTEM = "HUB"  # the hub's own source system: what it sends itself, under ids derived from cause and step


def new_message_id() -> str:
    """A fresh message id (used when a caller's document carries none)."""
    return uuid.uuid4().hex


@value_class
class Envelope:
    """One accepted command.

    ``message_id`` with ``source_system`` is the idempotency key (``idempotency_key``): the same id from the same system
    always means the same command, whichever path (redelivery, replay, a caller's retry) brings it back; the same id
    from two systems is two commands (one system cannot take another's ids). ``command_type`` is
    ``"<system>.<Command>"``, e.g. ``"workorder.CreateWorkOrder"``. ``payload`` holds the command document exactly as
    validated. ``facts`` are the routing facts validation read from it (``category``/``tier``/``area`` → values) for the
    routing table's content predicates; they serve the routing decision and do not travel on the wire.
    """

    message_id: str
    command_type: str
    source_system: str
    payload: bytes
    correlation_id: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    headers: dict[str, Any] = field(default_factory=dict)
    facts: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _NO_FACTS)

    @property
    def system(self) -> str:
        """The command set (``workorder``, ``boss``, ...)."""
        return self.command_type.split(".", 1)[0]

    @property
    def command(self) -> str:
        """The command name within its set (``CreateWorkOrder``)."""
        return self.command_type.split(".", 1)[1]

    @property
    def idempotency_key(self) -> tuple[str, str]:
        """(source system, message id): what the hub's "seen before" decisions key on. The source system is the
        authenticated caller's (the ingress refuses a document naming another), so no system can use up, or be
        answered for, another's ids."""
        return self.source_system, self.message_id

    def with_headers(self, **headers: Any) -> Envelope:
        return replace(self, headers={**self.headers, **headers})

    def fingerprint(self) -> str:
        """What makes this the same command as another of its message id (``document_fingerprint``). Two
        envelopes of one message id with different fingerprints are a reused id, not a retry."""
        return document_fingerprint(self.source_system, self.command_type, self.payload)
