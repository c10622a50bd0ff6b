"""The values the work-order store takes and gives: history entries, a work order with its history, a page of work
orders, a due deadline, and the work-order id format."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, NamedTuple

__all__ = ["HISTORY_TEXT_LENGTH", "WORK_ORDER_ID", "DueDeadline", "HistoryEntry", "WorkOrderPage", "WorkOrderView",
           "new_work_order_id", "within_history_text"]

WORK_ORDER_ID = re.compile(r"^WO\d{8}[0-9A-Z]{8}$")
_ALPHABET = string.digits + string.ascii_uppercase
_RANDOM_IDS = 36**8
# A history entry's OldValue, NewValue and Note as QueryWorkOrder answers them: c:LongText in workorder.xsd. Longer
# text would make every later answer about the work order invalid (the hub refuses to send it: 502 bad-reply).
HISTORY_TEXT_LENGTH = 4000
_LONG_TEXTS = ("old_value", "new_value", "note")


def within_history_text(text: str) -> str:
    """``text`` within ``HISTORY_TEXT_LENGTH`` characters, an ellipsis where it was cut (``gateways.documents``'
    ``shortened``, the answers' convention)."""
    return text if len(text) <= HISTORY_TEXT_LENGTH else text[:HISTORY_TEXT_LENGTH - 1] + "…"


def new_work_order_id(now: datetime, key: str | None = None, draw: int = 0) -> str:
    """``WO`` + ``now``'s date (yyyymmdd, in ``now``'s own zone) + 8 characters of [0-9A-Z]: random, or taken from
    a SHA-256 of ``key`` (the causing message's id) and ``draw`` — then a re-run of the same message (a retry
    after its transaction was undone, a redelivery) makes the same work order, under the same id its follow-ups
    already carried.

    36⁸ ≈ 2.8·10¹² per day: processes need no coordination; the store still inserts with ON CONFLICT DO NOTHING and
    draws again (the next ``draw``) on the (vanishingly rare) collision."""
    if key is None:
        number = secrets.randbelow(_RANDOM_IDS)
    else:
        digest = hashlib.sha256(f"{key}\x00{draw}".encode()).digest()
        number = int.from_bytes(digest[:8], "big") % _RANDOM_IDS
    tail: list[str] = []
    for _ in range(8):  # one draw, written in base 36 (eight draws of one character cost ~8x as much)
        number, digit = divmod(number, 36)
        tail.append(_ALPHABET[digit])
    return f"WO{now.year:04d}{now.month:02d}{now.day:02d}{''.join(tail)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One step of a work order's history: a state change (``kind='state'``) or a field change (``kind='field'``).

    ``message_id`` defaults to the causing message of the transaction that appends it. ``old_value``,
    ``new_value`` and ``note`` are bounded here to what QueryWorkOrder may answer (``within_history_text``), whatever
    wrote them: a note that quotes a whole answer (an incident's resolution, NSP's result) plus its own words stays
    readable and valid."""

    at: datetime
    kind: Literal["state", "field"]
    actor: str | None = None
    system: str | None = None
    message_id: str | None = None
    action: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        for name in _LONG_TEXTS:
            value = getattr(self, name)
            if value is not None and len(value) > HISTORY_TEXT_LENGTH:
                object.__setattr__(self, name, within_history_text(value))

    def columns(self) -> dict[str, Any]:
        """The entry as the history table's columns (a flat copy: ``asdict`` deep-copied every value, ~20 µs)."""
        return {name: getattr(self, name) for name in _HISTORY_COLUMNS}


_HISTORY_COLUMNS = tuple(f.name for f in fields(HistoryEntry))


@dataclass(frozen=True, slots=True)
class WorkOrderView:
    """A work order's row, its whole history (oldest first) and its deadlines (fired or not)."""

    row: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)


class WorkOrderPage(NamedTuple):
    """One page of a query: how many work orders match in all, and this page's rows (newest first)."""

    total: int
    rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class DueDeadline:
    id: int
    work_order_id: str
    kind: str
    due_at: datetime
