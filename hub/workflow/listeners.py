"""Event listeners (TMF621's hub model): a system registers a call-back URL with a filter and gets the work-order
events that pass it (``hub.workflow.publisher`` delivers them).

* ``workorder.RegisterListener``: ``Callback`` (an http(s) URL the hub can send to, ``callback_problem``: a host name
  that cannot be encoded or decoded, or holds characters no host name has, is refused as ``bad-callback``; a URL with
  a user name or password, or to an address the destination policy refuses, ``hub.workflow.destinations``, as
  ``refused-callback``), ``Filter`` (``EventType``s, a ``Category`` prefix, an ``AreaCode``; each given one must
  match; none: every event); answered with the ``ListenerId`` and the ``SigningSecret`` its deliveries are signed
  with (``hub.workflow.event_signatures``: told this once, never logged nor shown again). The listener gets the
  events written after it registered. The same system registering the same call-back with the same filter again
  gets the ``ListenerId`` it has and a new ``SigningSecret`` (the old one signs no more deliveries: an answer lost
  on the way is recovered so, and a listener of before revision 0025 learns its secret so); a parked listener is
  resumed at its cursor, or at the oldest event kept when ``[workflow] keep_events_days`` purged those after it (a
  WARNING names how many outbox positions it missed); a system holding ``max_per_system`` listeners is refused a
  new one as ``too-many-listeners``.
* ``workorder.UnregisterListener``: by ``ListenerId``, only by the system that registered it (``owned_listener``,
  which ``workorder.QueryListeners`` asks too: ``hub.workflow.listener_queries``).

Both are requests answered by the workflow and change the store in the worker's transaction (so a repeated
message registers once). ``register(registry, consumer)`` adds them to the workflow's handlers. The rules
(``[workflow.listeners]``, ``ListenerSettings``) are the runtime's ``listener_settings`` when it carries them, else
the defaults.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree
from sqlalchemy.engine import Connection

from hub.config.workflow import ListenerSettings
from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.workers import BusinessRejection, HandlerRegistry, Reply
from hub.workflow.answers import acknowledged_answer
from hub.workflow.destinations import DestinationPolicy, redacted
from hub.workflow.event_signatures import new_signing_secret
from hub.workflow.events import EVENT_TYPES
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.listener_registrations import (
    count_listeners,
    find_listener,
    lock_registrations,
    renew_signing_secret,
)
from hub.workflow.store.outbox import Listener, Resumed, add_listener, listener, remove_listener, resume_listener
from hub.workflow.taxonomy import Taxonomy

__all__ = ["WO", "ListenerFilter", "acknowledged", "callback_problem", "owned_listener", "register",
           "register_listener", "resume_parked", "unregister_listener"]

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
log = logging.getLogger("onepoint.workflow.listeners")
_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+")  # as httpx gives it: a Unicode name is already IDNA-encoded


@dataclass(frozen=True, slots=True)
class ListenerFilter:
    """Which events a listener gets: every condition given must hold (none given: every event)."""

    event_types: frozenset[str] = frozenset()
    category: str | None = None  # a category code prefix: "01.02" is 01.02 and every category below it
    area_code: str | None = None

    def matches(self, event_type: str, document: Mapping[str, Any]) -> bool:
        if self.event_types and event_type not in self.event_types:
            return False
        ticket = document.get("event", {}).get("troubleTicket", {})
        if self.category is not None:
            category = str(ticket.get("category") or "")
            if category != self.category and not category.startswith(self.category + "."):
                return False
        return self.area_code is None or (ticket.get("area") or {}).get("areaCode") == self.area_code

    def to_text(self) -> str | None:
        if not self.event_types and self.category is None and self.area_code is None:
            return None
        return json.dumps({"eventTypes": sorted(self.event_types), "category": self.category,
                           "areaCode": self.area_code}, sort_keys=True)

    @classmethod
    def from_text(cls, text: str | None) -> ListenerFilter:
        """The stored form (``to_text``); an unreadable filter matches nothing rather than everything."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(frozenset(data.get("eventTypes") or ()), data.get("category"), data.get("areaCode"))
        except (ValueError, AttributeError, TypeError):
            log.error("unreadable listener filter: it matches nothing", extra={"filter": text[:200]})
            return cls(frozenset({"(unreadable filter)"}))


def _text(parent: etree._Element, path: str) -> str | None:
    found = parent.findtext(path, namespaces={"wo": WO})
    return found.strip() if found is not None and found.strip() else None


def callback_problem(url: str) -> str | None:
    """Why the hub cannot POST to ``url`` (None: it can): not http(s), no host, a host name of other characters
    than letters, digits, hyphens, dots (and underscores, which ``/etc/hosts`` and container networks resolve) or
    a bracketed IPv6 literal (``a%00b``, ``a|b``: no resolver finds them), or one that httpx or the socket layer
    cannot encode or decode (IDNA: an empty label as in ``a..b``, a label over 63 characters, an A-label such as
    ``xn--ls8h`` or ``xn--`` that is not valid IDNA 2008). The schema's pattern and ``urlsplit`` take such names;
    delivery would fail on them every time."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        return str(exc)
    host = parsed.raw_host.decode("ascii", "replace")  # as sent on: IDNA-encoded, percent-escapes kept
    if parsed.scheme not in ("http", "https") or not host:
        return "not an http(s) URL"
    if parsed.port is not None and not 1 <= parsed.port <= 65535:  # httpx takes 103607; the socket layer cut it
        return f"port {parsed.port} is not 1-65535"                  # to 16 bits: another service got the events
    if ":" in host:  # an IPv6 literal, checked by httpx as it parsed ("[zz]" refused)
        return None
    if not _HOST_NAME.fullmatch(host):
        return (f"host name {host!r} has characters no host name has: only letters, digits, hyphens and dots "
                "(or an IP address)")
    try:
        host.encode("idna")  # what name resolution is given (socket.getaddrinfo)
    except UnicodeError as exc:
        return f"host name {host!r} cannot be encoded ({exc})"
    try:
        parsed.host  # noqa: B018 -- its A-labels decoded (IDNA 2008), as the destination policy reads them
    except UnicodeError as exc:  # idna's IDNAError is one
        return f"host name {host!r} is not valid IDNA ({exc})"
    return None


def listener_settings(workflow: WorkflowRuntime) -> ListenerSettings:
    """The runtime's ``[workflow.listeners]`` rules, the defaults when it carries none."""
    found = getattr(workflow, "listener_settings", None)
    return found if isinstance(found, ListenerSettings) else ListenerSettings()


def _callback(document: etree._Element, policy: DestinationPolicy) -> str:
    url = _text(document, "wo:Callback") or ""
    if (problem := callback_problem(url)) is not None:
        raise BusinessRejection(f"call-back {redacted(url)!r} cannot be used: {problem}", code="bad-callback")
    if (refused := policy.url_problem(url)) is not None:
        raise BusinessRejection(f"call-back {redacted(url)!r} refused: {refused}", code="refused-callback")
    return url


def _filter(document: etree._Element, taxonomy: Taxonomy) -> ListenerFilter:
    """The filter asked for; a category the taxonomy does not hold is refused (a listener filtered on it would
    never get an event: a typo must not look like a quiet day)."""
    found = document.find(f"{{{WO}}}Filter")
    if found is None:
        return ListenerFilter()
    types = frozenset(t.text.strip() for t in found.findall(f"{{{WO}}}EventType") if t.text)
    if unknown := sorted(types - set(EVENT_TYPES)):
        raise BusinessRejection(f"unknown event types {unknown}; known: {list(EVENT_TYPES)}", code="bad-filter")
    category = _text(found, "wo:Category")
    if category is not None and category not in taxonomy:
        domains = ", ".join(c.code for c in taxonomy.domains())
        raise BusinessRejection(f"no category {category} in the taxonomy ({taxonomy.source}; its level-1 codes: "
                                f"{domains}): a listener filtered on it would never get an event", code="bad-filter")
    return ListenerFilter(types, category, _text(found, "wo:AreaCode"))


def acknowledged(name: str, envelope: Envelope, workflow: WorkflowRuntime) -> etree._Element:
    """The answer ``name`` of the listeners' commands with its ``Ack`` (COMPLETED), the results still to add."""
    return acknowledged_answer(name, envelope, workflow.clock.now())


def _answer(name: str, envelope: Envelope, workflow: WorkflowRuntime, listener_id: str,
            signing_secret: str | None = None) -> etree._Element:
    root = acknowledged(name, envelope, workflow)
    etree.SubElement(root, f"{{{WO}}}ListenerId").text = listener_id
    if signing_secret is not None:  # RegisterListenerResponse only: the one place a secret is ever shown
        etree.SubElement(root, f"{{{WO}}}SigningSecret").text = signing_secret
    return root


def resume_parked(connection: Connection, listener_id: str, system: str | None) -> Resumed | None:
    """Serve a parked listener again (``outbox.resume_listener``; None: it was not parked), with a WARNING naming how
    many outbox positions it missed when the retention purged events it had not passed meanwhile. Registering it
    again does it, and so does ``onepoint listeners resume``."""
    resumed = resume_listener(connection, listener_id)
    if resumed is not None and resumed.skipped:
        log.warning("parked event listener resumed after the retention purged events it had not passed", extra={
            "listener_id": listener_id, "system": system, "missed_positions": resumed.skipped,
            "parked_at_position": resumed.parked_at_position, "from_position": resumed.position})
    return resumed


def register_listener(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    settings = listener_settings(workflow)
    document = command_element(envelope)
    url, wanted = _callback(document, DestinationPolicy(settings)), _filter(document, workflow.engine.taxonomy)
    system, filter_text = envelope.source_system, wanted.to_text()
    tx = workflow.store.current_transaction()
    lock_registrations(tx.db, system)  # a registration at the same moment waits: it finds this one, counts it
    held = find_listener(tx.db, system, url, filter_text)
    # one registered without a system (before migration 0004), taken by the first system that registers it again:
    # how it learns the signing secret migration 0025 gave it
    unowned = None if held is not None or system is None else find_listener(tx.db, None, url, filter_text)
    held = held or unowned
    secret = new_signing_secret()
    if held is not None:
        resumed = resume_parked(tx.db, held.id, system)
        renew_signing_secret(tx.db, held.id, secret, system if unowned is not None else None)
        log.info("event listener registered again, its signing secret renewed", extra={
            "listener_id": held.id, "system": system, "callback": url, "resumed": resumed is not None})
        return Reply(_answer("RegisterListenerResponse", envelope, workflow, held.id, secret),
                     outcome=f"listener {held.id}")
    if count_listeners(tx.db, system) >= settings.max_per_system:
        raise BusinessRejection(f"{system} holds {settings.max_per_system} listeners, the most a system may "
                                "([workflow.listeners] max_per_system): unregister one first",
                                code="too-many-listeners")
    added = add_listener(tx.db, url, filter_text, workflow.clock.now(), source_system=system, signing_secret=secret)
    log.info("event listener registered", extra={"listener_id": added.id, "system": system,
                                                 "callback": url, "from_position": added.delivered_position})
    return Reply(_answer("RegisterListenerResponse", envelope, workflow, added.id, secret),
                 outcome=f"listener {added.id}")


def owned_listener(connection: Connection, listener_id: str, system: str) -> Listener:
    """The listener ``system`` registered (or one registered without a system); ``unknown-listener`` when there is
    none, ``not-your-listener`` when another system registered it."""
    found = listener(connection, listener_id)
    if found is None:
        raise BusinessRejection(f"no listener {listener_id}", code="unknown-listener")
    if found.source_system not in (None, system):
        raise BusinessRejection(f"listener {listener_id} was registered by {found.source_system}",
                                code="not-your-listener")
    return found


def unregister_listener(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    listener_id = _text(command_element(envelope), "wo:ListenerId") or ""
    tx = workflow.store.current_transaction()
    owned_listener(tx.db, listener_id, envelope.source_system)
    remove_listener(tx.db, listener_id)
    log.info("event listener unregistered", extra={"listener_id": listener_id, "system": envelope.source_system})
    return Reply(_answer("UnregisterListenerResponse", envelope, workflow, listener_id),
                 outcome=f"listener {listener_id} removed")


def register(registry: HandlerRegistry, consumer: str) -> None:
    """Add the listeners' commands to the workflow's handlers."""
    registry.add("workorder.RegisterListener", register_listener, consumer=consumer)
    registry.add("workorder.UnregisterListener", unregister_listener, consumer=consumer)
