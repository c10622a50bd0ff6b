"""The ingress's reply cache: a repeat of a cached request is answered without a broker round trip.

Where it saves the most: before the request leaves the ingress, a hit costs no publish, no consumer, no
backend call and no reply (a tier lookup is asked several times per customer contact: IVR, agent screen,
work order). A route opts in with ``cache_ttl`` (`hub.routing.table`); each route has its own bounded cache
(``cache_size`` answers, least recently used evicted first, each kept ``cache_ttl`` seconds).

**Key**: the command type, the source system and the request's business content, i.e. every element after its
``Header`` (names with their namespaces, attributes, text; whitespace between elements ignored). Two lookups of
the same MSISDN by one system share an answer whatever their message ids; different MSISDNs (or any other field)
never do, nor do two systems: what a system is answered may depend on who asks (QueryWorkOrder answers OA only
the work orders it was pushed an item for, ``hub.workflow.work_order_readers``).

**In flight**: identical requests that arrive while the first is still on its way share its round trip (and
its outcome, whatever it is) instead of each asking the backend: `hub.routing.broker_router` joins them. A
joiner's answer names its own request: a success is re-stamped (below); a ``c:Error`` that names the first
request (``dead-lettered``, ``system-unavailable``) is rewritten to name the joiner's MessageId and to say that
the identical request it joined — not its own, which was never sent — failed or is kept (``joined_error``).

**Only successes are kept**: the command's ``<Command>Response`` with an ``Ack`` (never a ``c:Error``, never
anything else). **Re-stamped**: a cached answer goes back with the new request's own ``Ack``: its
``MessageId``, its ``CorrelationId`` (or none) and its ``ReceivedAt``; the rest is the backend's answer as it
was given.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from lxml import etree

from hub.envelope import Envelope
from hub.routing.table import Route
from hub.validation.acks import stamp_ack
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, parse_document

__all__ = ["ReplyCache", "RequestKey", "joined_error", "request_key", "restamped", "shared_answer"]

_LIMITS = ParserLimits(16 * 1024 * 1024)  # what the ingress accepts of a reply (hub.ingress.replies)
RequestKey = tuple[str, str, str]  # (command type, source system, the canonical fields after the Header)


def _content(element: etree._Element) -> tuple[object, ...]:
    """An element as nested tuples: name, sorted attributes, text, children (whitespace between them ignored)."""
    children = [child for child in element if isinstance(child.tag, str)]  # no comments or processing instructions
    text = element.text or ""
    if children and not text.strip():
        text = ""
    return element.tag, tuple(sorted(element.attrib.items())), text, tuple(_content(child) for child in children)


def request_key(envelope: Envelope) -> RequestKey | None:
    """The cache key of a request: its command type, its source system and every element after its ``Header``
    (None: not XML)."""
    try:
        root = parse_document(envelope.payload, _LIMITS)
    except Exception:
        return None
    fields = [child for child in root if isinstance(child.tag, str)]
    if fields and etree.QName(fields[0]).localname == "Header":
        fields = fields[1:]
    return envelope.command_type, envelope.source_system, repr(tuple(_content(child) for child in fields))


def _ack(document: etree._Element) -> etree._Element | None:
    namespace = etree.QName(document).namespace
    ack = document.find(f"{{{namespace}}}Ack")
    return ack if ack is not None and ack.find(f"{{{COMMON_NS}}}MessageId") is not None else None


def _answer(reply: bytes, envelope: Envelope) -> etree._Element | None:
    """The reply's root when it is this request's successful answer (``<Command>Response`` with an Ack)."""
    try:
        root = parse_document(reply, _LIMITS)
    except Exception:
        return None
    if etree.QName(root).localname != f"{envelope.command}Response" or _ack(root) is None:
        return None
    return root


def restamped(reply: bytes, envelope: Envelope) -> bytes:
    """``reply`` (a cached successful answer) with an ``Ack`` naming ``envelope``: its MessageId, CorrelationId
    (removed when it has none) and ReceivedAt (when the hub received it)."""
    root = parse_document(reply, _LIMITS)
    ack = _ack(root)
    if ack is None:
        raise ValueError("a cached answer has no Ack")
    stamp_ack(ack, message_id=envelope.message_id, correlation_id=envelope.correlation_id,
              received_at=envelope.received_at.isoformat(timespec="milliseconds"))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def shared_answer(reply: bytes, envelope: Envelope, first_id: str) -> bytes:
    """Request ``first_id``'s answer given to ``envelope``, which joined it in flight: re-stamped if it is a
    successful answer; a ``c:Error`` naming ``first_id`` told of ``envelope``'s request (``joined_error``); any
    other answer as it is."""
    if _answer(reply, envelope) is not None:
        return restamped(reply, envelope)
    return joined_error(reply, envelope.message_id, first_id)


def joined_error(reply: bytes, own_id: str, first_id: str) -> bytes:
    """A ``c:Error`` answered to request ``first_id`` (``dead-lettered``: "request <first_id> could not be carried
    out…"; ``system-unavailable``: "…request <first_id> is kept…; send it again then with the same MessageId…") as
    its joiner ``own_id`` is told it: its own id, and that the request it joined — not its own, which was never
    sent — is the one that failed or is kept, without that request's id (another caller's). Unchanged when it
    is no ``c:Error`` or does not name ``first_id``."""
    if own_id == first_id or first_id.encode() not in reply:
        return reply
    try:
        root = parse_document(reply, _LIMITS)
    except Exception:
        return reply
    said = root.find(f"{{{COMMON_NS}}}Message") if root.tag == f"{{{COMMON_NS}}}Error" else None
    if said is None or said.text is None or first_id not in said.text:
        return reply
    # the first id as a whole id only (not the start of a longer one: REQ-1 in REQ-12), replaced in one pass, so
    # that the joiner's own id put in is never rewritten in turn
    whole = re.compile(rf"(?<![A-Za-z0-9._:\-])(request )?{re.escape(first_id)}(?![A-Za-z0-9_:\-]|\.[A-Za-z0-9])")
    joined = f"request {own_id} joined an identical request in flight; that request"
    said.text = whole.sub(lambda found: joined if found.group(1) else "that request", said.text).replace(
        " with the same MessageId", "")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


class ReplyCache:
    """The successful answers of every cached request route, by route; thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._caches: dict[Route, TTLCache[RequestKey, bytes]] = {}  # by route: a reloaded route's TTL is its own

    def _cache(self, route: Route) -> TTLCache[RequestKey, bytes]:
        found = self._caches.get(route)
        if found is None:
            assert route.cache_ttl is not None
            found = self._caches[route] = TTLCache(route.cache_size, route.cache_ttl, timer=self._clock)
        return found

    def get(self, route: Route, key: RequestKey, envelope: Envelope) -> bytes | None:
        """The cached answer to a request with ``key``, re-stamped for ``envelope``; None (a miss) if none."""
        with self._lock:
            found = self._cache(route).get(key)
        return None if found is None else restamped(found, envelope)

    def put(self, route: Route, key: RequestKey, envelope: Envelope, reply: bytes) -> bool:
        """Keep ``reply`` if it is ``envelope``'s successful answer; whether it was kept."""
        if _answer(reply, envelope) is None:
            return False
        with self._lock:
            self._cache(route)[key] = reply
        return True

    def clear(self) -> None:
        """Forget every answer (e.g. when the routing table is reloaded: its TTLs may have changed)."""
        with self._lock:
            self._caches.clear()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(cache) for cache in self._caches.values())
