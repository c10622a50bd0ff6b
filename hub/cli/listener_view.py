"""How ``onepoint listeners list`` prints the event listeners: a table a person can scan for the parked ones and
those behind (times in ``[workflow] statistics_timezone``, named in the title, as ``onepoint workorders`` prints
its own), or one JSON
object for scripts (times in UTC, ISO 8601).

A call-back is shown without a user name or password (``hub.workflow.destinations.redacted``: the hub refuses a
call-back with them, a row written before that rule is shown without them). Every cell is plain text
(``rich.text.Text``): what a system registered is printed as it is, never read as rich markup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hub.cli.workorder_view import when
from hub.gateways.documents import shortened
from hub.validation.xml_chars import xml_safe
from hub.workflow.destinations import redacted
from hub.workflow.listener_queries import ListenerState, listener_state
from hub.workflow.listeners import ListenerFilter
from hub.workflow.store import Listener

__all__ = ["ListenerRow", "as_json", "print_listeners"]

ListenerRow = tuple[Listener, int]  # a listener and the outbox events after its cursor
_ERROR_SHOWN = 60  # characters of the last error in the table (the JSON has it whole)


def _filter_text(stored: str | None) -> str:
    """``every event``, or the filter's conditions: event types without their ``TroubleTicket…Event`` frame."""
    if not stored:
        return "every event"
    wanted = ListenerFilter.from_text(stored)
    parts = []
    if wanted.event_types:
        names = sorted(t.removeprefix("TroubleTicket").removesuffix("Event") for t in wanted.event_types)
        parts.append("types " + ", ".join(names))
    if wanted.category is not None:
        parts.append(f"category {wanted.category}")
    if wanted.area_code is not None:
        parts.append(f"area {wanted.area_code}")
    return "\n".join(parts)  # a condition a line


def _state_text(listener: Listener, zone: ZoneInfo) -> str:
    state = listener_state(listener)
    if state is ListenerState.PARKED:
        return f"PARKED since {when(listener.suspended_at, zone)}"
    if state is ListenerState.RETRYING:
        return f"RETRYING, next {when(listener.next_attempt_at, zone)}"
    return state.value


def _error_text(error: str | None) -> str:
    if not error:
        return "—"
    return shortened(xml_safe(error), _ERROR_SHOWN)  # no control character reaches a terminal or a file


def print_listeners(console: Console, rows: Sequence[ListenerRow], zone: ZoneInfo) -> None:
    """Every listener as one row of a table, in the order they were registered."""
    parked = sum(listener_state(listener) is ListenerState.PARKED for listener, _ in rows)
    table = Table(title=f"{len(rows)} event listener(s), {parked} parked; times in {zone.key}", title_justify="left")
    # the id whole (`onepoint listeners resume` takes it), its call-back below it, folded when longer
    table.add_column("id / callback", width=36, overflow="fold")
    table.add_column("system")
    for column in ("filter", "state"):
        table.add_column(column)
    table.add_column("failures", justify="right")
    table.add_column("last error")
    table.add_column("last delivered")
    table.add_column("events waiting", justify="right")
    for listener, waiting in rows:
        table.add_row(Text(f"{listener.id}\n{redacted(listener.callback_url)}"), Text(listener.source_system or "—"),
                      Text(_filter_text(listener.filter)), Text(_state_text(listener, zone)),
                      str(listener.failures), Text(_error_text(listener.last_error)),
                      when(listener.delivered_at, zone), str(waiting))
    console.print(table)


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def as_json(rows: Sequence[ListenerRow]) -> dict[str, Any]:
    """The listeners as one JSON object, ``{"listeners": [...]}``, each with its filter in the stored form."""
    listed = []
    for listener, waiting in rows:
        wanted = ListenerFilter.from_text(listener.filter) if listener.filter else None
        listed.append({
            "id": listener.id, "system": listener.source_system, "callback": redacted(listener.callback_url),
            "filter": None if wanted is None else {"eventTypes": sorted(wanted.event_types),
                                                   "category": wanted.category, "areaCode": wanted.area_code},
            "registeredAt": _instant(listener.created_at), "state": listener_state(listener).value,
            "nextAttemptAt": _instant(listener.next_attempt_at), "parkedAt": _instant(listener.suspended_at),
            "failures": listener.failures, "lastError": listener.last_error,
            "lastDeliveredAt": _instant(listener.delivered_at), "eventsWaiting": waiting})
    return {"listeners": listed}
