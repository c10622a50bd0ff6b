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

from lxml import etree

from hub.values import value_class

__all__ = ["FINGERPRINT", "HUB_SYSTEM", "Envelope", "document_fingerprint", "new_message_id", "now_in_whole_seconds"]

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


# the header's SentAt (exclusive C14N writes its namespace declaration on it: attributes allowed)
_SENT_AT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?SentAt(?:\s[^>]*)?>[^<]*</(?:[A-Za-z_][\w.-]*:)?SentAt>")
FINGERPRINT = "fingerprint"  # the envelope header that carries it, taken where the document was parsed
# for a payload without it: the document was validated when it was accepted; nothing of it is fetched or expanded
# (the ingress's parser options: comments and processing instructions dropped, so both fingerprints agree)
_TRUSTED_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                                  remove_comments=True, remove_pis=True)


def document_fingerprint(source_system: str, command_type: str, document: etree._Element) -> str:
    """The SHA-256 (hex) of a command's source system, type and document in exclusive canonical XML, its
    ``SentAt`` left out (a retry may be sent again at another time). C14N makes the same document the same bytes
    with or without an XML declaration, inside a SOAP Body or alone, whatever its attribute order, quoting,
    character references, comments or where its namespaces are declared; it keeps the namespace prefixes and the
    whitespace between elements, which differ only when another program writes the retry (C14N 2.0's prefix
    rewriting would cover them at ~8× the cost on the ingress's path: bench/README.md)."""
    digest = hashlib.sha256()
    canonical = etree.tostring(document, method="c14n", exclusive=True, with_comments=False)
    for part in (source_system.encode(), command_type.encode(), _SENT_AT.sub(b"", canonical)):
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

    ``message_id`` is the idempotency key: the same id always means the same command, whichever path
    (redelivery, replay, a caller's retry) brings it back. ``command_type`` is ``"<system>.<Command>"``,
    e.g. ``"workorder.CreateWorkOrder"``. ``payload`` holds the command document exactly as validated.
    ``facts`` are the routing facts validation read from it (``category``/``tier``/``area`` → values) for the
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

    def with_headers(self, **headers: Any) -> Envelope:
        return replace(self, headers={**self.headers, **headers})

    def fingerprint(self) -> str:
        """What makes this the same command as another of its message id (``document_fingerprint``): taken by
        the ingress from the tree it validated and carried in the ``fingerprint`` header, else computed from the
        payload. Two envelopes of one message id with different fingerprints are a reused id, not a retry."""
        carried = self.headers.get(FINGERPRINT)
        if isinstance(carried, bytes):
            carried = carried.decode("ascii", "replace")
        if isinstance(carried, str) and carried:
            return carried
        return document_fingerprint(self.source_system, self.command_type,
                                    etree.fromstring(self.payload, _TRUSTED_PARSER))
