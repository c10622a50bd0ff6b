"""``workorder.QueryListeners``: a system sees the event listeners it registered, and whether each is served.

Without it a system could register and unregister listeners but not learn what it holds, nor that one was parked
after failing (``hub.workflow.listener_deliveries``) and gets nothing until it registers it again. The answer lists
the caller's own listeners (``envelope.source_system``: those ``UnregisterListener`` lets it remove), in the order
they were registered, or the one ``ListenerId`` names (``unknown-listener``, ``not-your-listener`` as
``UnregisterListener`` refuses them). Each with its call-back as stored (never with credentials: a call-back with
them is refused at registration), its filter, its state (``listener_state``), failures, last error, last delivery
and the outbox events after its cursor (``store.listener_reads.events_waiting``, before its filter is applied).
A read: registered ``reads``, its record keeps no answer, a repeat is answered afresh. ``onepoint listeners list``
shows the operator the same of every system.
"""

from __future__ import annotations

from enum import StrEnum

from lxml import etree

from hub.envelope import Envelope
from hub.gateways.documents import add_child, command_element
from hub.validation.xml_chars import xml_safe
from hub.workers import HandlerRegistry, Reply
from hub.workflow.events import EVENT_TYPES
from hub.workflow.listeners import WO, ListenerFilter, acknowledged, owned_listener
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import Listener
from hub.workflow.store.listener_reads import events_waiting, listeners_of

__all__ = ["ListenerState", "listener_state", "query_listeners", "register"]


class ListenerState(StrEnum):
    """How the publisher treats a listener now (``wo:ListenerState``)."""

    ACTIVE = "ACTIVE"  # served, its last delivery did not fail
    RETRYING = "RETRYING"  # its deliveries of the next event failed: tried again at next_attempt_at
    PARKED = "PARKED"  # not served until its system registers it again (or `onepoint listeners resume`)


def listener_state(listener: Listener) -> ListenerState:
    if listener.suspended_at is not None:
        return ListenerState.PARKED
    return ListenerState.RETRYING if listener.failures > 0 else ListenerState.ACTIVE


def _filter(parent: etree._Element, stored: str | None) -> None:
    """The filter in RegisterListener's shape (``wo:EventFilter``); nothing when the listener takes every event."""
    if not stored:
        return
    wanted = ListenerFilter.from_text(stored)
    element = add_child(parent, "Filter", None)
    for event_type in sorted(wanted.event_types & set(EVENT_TYPES)):  # an unreadable filter's marker is no type
        add_child(element, "EventType", event_type)
    if wanted.category is not None:
        add_child(element, "Category", wanted.category)
    if wanted.area_code is not None:
        add_child(element, "AreaCode", wanted.area_code)


def _listener(parent: etree._Element, listener: Listener, waiting: int) -> None:
    element = add_child(parent, "Listener", None)
    add_child(element, "ListenerId", listener.id)
    add_child(element, "Callback", listener.callback_url)
    _filter(element, listener.filter)
    add_child(element, "RegisteredAt", listener.created_at)
    state = listener_state(listener)
    add_child(element, "State", state.value)
    if state is ListenerState.RETRYING and listener.next_attempt_at is not None:
        add_child(element, "NextAttemptAt", listener.next_attempt_at)
    if state is ListenerState.PARKED:
        add_child(element, "ParkedAt", listener.suspended_at)
    add_child(element, "Failures", listener.failures)
    if listener.last_error:  # kept by the hub from what the delivery raised: made fit for XML whatever it holds
        add_child(element, "LastError", xml_safe(listener.last_error))
    if listener.delivered_at is not None:
        add_child(element, "LastDeliveredAt", listener.delivered_at)
    add_child(element, "EventsWaiting", waiting)


def query_listeners(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()  # the answer is not kept: a repeat is answered afresh
    found = command_element(envelope).findtext(f"{{{WO}}}ListenerId")
    tx = workflow.store.current_transaction()
    system = envelope.source_system
    held = [owned_listener(tx.db, found.strip(), system)] if found else listeners_of(tx.db, system)
    root = acknowledged("QueryListenersResponse", envelope, workflow)
    for listener in held:
        _listener(root, listener, events_waiting(tx.db, listener.delivered_position))
    return Reply(root, outcome=f"{len(held)} listener(s)")


def register(registry: HandlerRegistry, consumer: str) -> None:
    """Add QueryListeners to the workflow's handlers (beside ``listeners.register``)."""
    registry.add("workorder.QueryListeners", query_listeners, consumer=consumer, reads=True)
