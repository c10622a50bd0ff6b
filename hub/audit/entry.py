"""One audit row: who asked for which subscriber's SMS records, when, why, and what came of it.

The row format belongs to no storage engine: :func:`canonical` turns a row into the bytes its MAC covers (a
JSON array in a fixed field order, tagged with a format version), so a PostgreSQL log can carry the same chain.
The phone number is masked before it reaches the row (:func:`mask_msisdn_tail`): the full number is never stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

__all__ = ["FIELDS", "FORMAT", "AuditEntry", "AuditRecord", "Outcome", "Value", "canonical", "mask_msisdn_tail",
           "mask_numbers_in", "utc_text"]

FORMAT = "onepoint-audit/1"
FIELDS = ("operator", "role", "client_address", "msisdn_masked", "period_from", "period_to", "purpose",
          "rows_returned", "outcome", "reason", "message_id")
Value = str | int | None
_MASKED = re.compile(r"^\**[0-9]{0,4}$")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")


class Outcome(StrEnum):
    """What became of a query: answered, refused by the hub's role check, or failed at the system."""

    ALLOWED = "allowed"
    DENIED = "denied"
    FAILED = "failed"


def mask_msisdn_tail(msisdn: str) -> str:
    """``13800138000`` → ``*******8000``: every digit but the last four hidden (a number of 4 digits or less: all).

    Masking a masked number changes nothing, so a value read back from the log can be masked again safely.
    """
    kept = [ch for ch in msisdn if ch.isdigit() or ch == "*"]
    hidden = len(kept) - 4 if len(kept) > 4 else len(kept)
    return "*" * hidden + "".join(kept[hidden:])


def mask_numbers_in(text: str) -> str:
    """Every mobile number in ``text`` masked by :func:`mask_msisdn_tail`."""
    return _MOBILE.sub(lambda match: mask_msisdn_tail(match.group(0)), text)


def utc_text(moment: datetime) -> str:
    """An aware datetime as UTC ISO 8601 with microseconds: the one spelling a time has in a row."""
    if moment.tzinfo is None:
        raise ValueError(f"an audit time must carry its offset: {moment.isoformat()}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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

    def __post_init__(self) -> None:
        # free text may quote a number (a system's error message): it is masked like the number field
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "reason", mask_numbers_in(self.reason))
        object.__setattr__(self, "purpose", mask_numbers_in(self.purpose))
        if not _MASKED.match(self.msisdn_masked):
            raise ValueError("an audit entry holds the number masked but for its last 4 digits, never in full")
        if self.rows_returned < 0:
            raise ValueError(f"rows_returned cannot be negative: {self.rows_returned}")
        if self.outcome is not Outcome.ALLOWED and self.rows_returned:
            raise ValueError(f"a {self.outcome} query returns no rows, not {self.rows_returned}")

    @classmethod
    def for_query(
        cls, *, operator: str, role: str, client_address: str, msisdn: str, period_from: datetime | None,
        period_to: datetime | None, purpose: str, rows_returned: int = 0, outcome: Outcome | str = Outcome.ALLOWED,
        reason: str = "", message_id: str = "",
    ) -> AuditEntry:
        """An entry for one query: the number masked, the period in UTC."""
        return cls(
            operator=operator, role=role, client_address=client_address, msisdn_masked=mask_msisdn_tail(msisdn),
            period_from=None if period_from is None else utc_text(period_from),
            period_to=None if period_to is None else utc_text(period_to),
            purpose=purpose, rows_returned=rows_returned, outcome=Outcome(outcome), reason=reason,
            message_id=message_id,
        )

    def values(self) -> tuple[Value, ...]:
        """The fields in the order of :data:`FIELDS` (the order of the canonical encoding)."""
        return (self.operator, self.role, self.client_address, self.msisdn_masked, self.period_from, self.period_to,
                self.purpose, self.rows_returned, str(self.outcome), self.reason, self.message_id)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A row as stored: sequence number, time (UTC text), the field values as read, the previous MAC and its own.

    The values are kept as read, not rebuilt into an :class:`AuditEntry`: a tampered row must still be readable
    so that verification can say what is wrong with it.
    """

    seq: int
    at: str
    values: tuple[Value, ...]
    prev_mac: bytes
    mac: bytes

    def as_dict(self) -> dict[str, Value]:
        return {"seq": self.seq, "at": self.at, **dict(zip(FIELDS, self.values, strict=True))}


def canonical(seq: int, at: str, values: tuple[Value, ...]) -> bytes:
    """The bytes a row's MAC covers: format tag, sequence number, time and every field, in a fixed order."""
    return json.dumps([FORMAT, seq, at, *values], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
