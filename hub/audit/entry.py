"""One audit row: who asked for which subscriber's SMS records, when, why, and what came of it.

The row format belongs to no storage engine: :func:`canonical` turns a row into the bytes its MAC covers (a
JSON array in a fixed field order, tagged with a format version), so a PostgreSQL log can carry the same chain.
The phone number is masked before it reaches the row (:func:`mask_msisdn_tail`): the full number is never stored,
nor any number quoted in the row's free text (:func:`mask_numbers_in`).

Format 2 (``onepoint-audit/2``) adds who really asked: ``caller``, the caller the hub authenticated, and ``peer``,
the address its connection came from, beside the self-declared ``operator`` and ``client_address``. A row
written before them (format 1) has neither and is encoded exactly as it was, so old logs still verify; a row of
format 2 always has both (``unknown`` when the hub did not know), so removing them turns it into a format 1 row
whose MAC no longer holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from hub.audit.masking import mask_msisdn_tail, mask_numbers_in

__all__ = ["FIELDS", "FIELDS_V1", "FORMAT", "UNKNOWN", "AuditEntry", "AuditRecord", "NotCanonical", "Outcome",
           "Value", "canonical", "mask_msisdn_tail", "mask_numbers_in", "utc_text"]

FORMAT = "onepoint-audit/2"
FIELDS_V1 = ("operator", "role", "client_address", "msisdn_masked", "period_from", "period_to", "purpose",
             "rows_returned", "outcome", "reason", "message_id")
FIELDS = (*FIELDS_V1, "caller", "peer")
_FORMATS = {len(FIELDS_V1): "onepoint-audit/1", len(FIELDS): FORMAT}  # a row's format by its number of fields
UNKNOWN = "unknown"  # the caller or peer of a query the hub was not told about (an older hub's message)
Value = str | int | None
_TEXT_FIELDS = ("operator", "role", "client_address", "purpose", "reason", "message_id", "caller", "peer")
_MASKED = re.compile(r"^\**[0-9]{0,4}$")
_INT_FIELDS = frozenset({FIELDS.index("rows_returned")})


class NotCanonical(ValueError):
    """A row's values cannot be encoded (a value of a wrong type, a wrong number of fields): it was altered."""


class Outcome(StrEnum):
    """What became of a query: answered, refused by the hub's checks, or failed; ``pending``: DSMP is about to be
    asked (committed before the call, so no call is made without its row; the call's outcome follows in a later
    row with the same message id: a ``pending`` row with none after it is a call whose end the hub never saw)."""

    ALLOWED = "allowed"
    DENIED = "denied"
    FAILED = "failed"
    PENDING = "pending"


def utc_text(moment: datetime) -> str:
    """An aware datetime as UTC ISO 8601 with microseconds: the one spelling a time has in a row.

    A moment whose UTC time falls outside years 1-9999 (``0001-01-01T00:00:00+08:00``) keeps its own offset:
    the text is still exact, and a row is never refused for its period."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an audit time must carry its offset: {moment.isoformat()}")
    try:
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:
        return moment.isoformat(timespec="microseconds")


def _period_text(moment: datetime | str | None) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment  # a time the caller wrote that no datetime can hold: kept as written
    return utc_text(moment)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """The facts of one query, as the caller (the DSMP adapter) gives them; the log adds time, number and MAC.

    ``msisdn_masked`` must already be masked: build entries with :meth:`for_query`, which takes the full number.
    """

    operator: str
    role: str
    client_address: str
    msisdn_masked: str
    period_from: str | None
    period_to: str | None
    purpose: str
    rows_returned: int
    outcome: Outcome
    reason: str = ""
    message_id: str = ""  # the hub's id of the query message: ties redeliveries and the hub's journal to the row
    caller: str = UNKNOWN  # the caller the hub authenticated (who sent the message), not the one it names
    peer: str = UNKNOWN  # the address the caller's connection came from, as the hub's ingress saw it

    def __post_init__(self) -> None:
        # free text may quote a number (a purpose, a system's error message, an id): masked like the number field
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        for name in ("caller", "peer"):
            if not getattr(self, name):
                object.__setattr__(self, name, UNKNOWN)
        for name in _TEXT_FIELDS:
            object.__setattr__(self, name, mask_numbers_in(str(getattr(self, name))))
        if not _MASKED.match(self.msisdn_masked):
            raise ValueError("an audit entry holds the number masked but for its last 4 digits, never in full")
        if self.rows_returned < 0:
            raise ValueError(f"rows_returned cannot be negative: {self.rows_returned}")
        if self.outcome is not Outcome.ALLOWED and self.rows_returned:
            raise ValueError(f"a {self.outcome} query returns no rows, not {self.rows_returned}")

    @classmethod
    def for_query(
        cls, *, operator: str, role: str, client_address: str, msisdn: str, period_from: datetime | str | None,
        period_to: datetime | str | None, purpose: str, rows_returned: int = 0,
        outcome: Outcome | str = Outcome.ALLOWED, reason: str = "", message_id: str = "", caller: str | None = None,
        peer: str | None = None,
    ) -> AuditEntry:
        """An entry for one query: the number masked, the period in UTC (a time no datetime holds: as written)."""
        return cls(
            operator=operator, role=role, client_address=client_address, msisdn_masked=mask_msisdn_tail(msisdn),
            period_from=_period_text(period_from), period_to=_period_text(period_to), purpose=purpose,
            rows_returned=rows_returned, outcome=Outcome(outcome), reason=reason, message_id=message_id,
            caller=caller or UNKNOWN, peer=peer or UNKNOWN,
        )

    def values(self) -> tuple[Value, ...]:
        """The fields in the order of :data:`FIELDS` (the order of the canonical encoding)."""
        return (self.operator, self.role, self.client_address, self.msisdn_masked, self.period_from, self.period_to,
                self.purpose, self.rows_returned, str(self.outcome), self.reason, self.message_id, self.caller,
                self.peer)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A row as stored: sequence number, time (UTC text), the field values as read, the previous MAC and its own.

    The values are kept as read, not rebuilt into an :class:`AuditEntry`: a tampered row must still be readable
    so that verification can say what is wrong with it. A row of format 1 has the values of :data:`FIELDS_V1`.
    """

    seq: int
    at: str
    values: tuple[object, ...]
    prev_mac: bytes
    mac: bytes

    def as_dict(self) -> dict[str, object]:
        """The row by field name (``caller`` and ``peer`` None in a row written before they were kept)."""
        names = FIELDS if len(self.values) == len(FIELDS) else FIELDS_V1
        found = dict(zip(names, self.values, strict=True))
        return {"seq": self.seq, "at": self.at, **{name: found.get(name) for name in FIELDS}}


def canonical(seq: int, at: object, values: tuple[object, ...]) -> bytes:
    """The bytes a row's MAC covers: format tag, sequence number, time and every field, in a fixed order.

    ``NotCanonical`` when the values are not a row's: a number of fields no format has, a value of a type its
    field never holds (a BLOB, a float, text where a count belongs), text that is not UTF-8."""
    tag = _FORMATS.get(len(values))
    if tag is None:
        raise NotCanonical(f"a row of {len(values)} fields")
    if not isinstance(at, str):
        raise NotCanonical(f"a time of type {type(at).__name__}")
    for index, value in enumerate(values):
        wanted = int if index in _INT_FIELDS else str
        if not (value is None or (type(value) is wanted)):
            raise NotCanonical(f"{FIELDS[index]} of type {type(value).__name__}")
    try:
        return json.dumps([tag, seq, at, *values], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as exc:  # text read with surrogate escapes: bytes that were never UTF-8
        raise NotCanonical(f"text that is not UTF-8: {exc.reason}") from None
