"""Which audit rows answer an officer's question: by number, operator, outcome, work order and time.

The log keeps a number masked but for its last 4 digits (``*******5566``), never in full nor as a digest, so a
number is matched by those 4 digits only: a tail is shared by about one subscriber in 10,000, and the rows found are
*candidates* (the work order each names tells whose query it was). The operator is the account the query named;
the work order is the one its purpose begins with (``WO…: reason``), compared in any case or width on either side
(``hub.work_order_ids``: a purpose keeps the id as the caller wrote it); times are the rows' own (UTC), ``since``
and ``until`` both included. Rows are compared as stored, so a row a tamperer changed is matched as it now reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from hub.audit.entry import AuditRecord, Outcome, mask_msisdn_tail, utc_text
from hub.audit.masking import fold
from hub.work_order_ids import typed_work_order_id

__all__ = ["RowFilter", "msisdn_tail"]


def msisdn_tail(msisdn: str) -> str:
    """The last 4 digits the log keeps of ``msisdn`` (any spelling: ``+86 135-0110-5566``, full-width digits);
    ``ValueError`` when it has fewer than 4 digits."""
    digits = "".join(ch for ch in fold(msisdn) if ch.isdigit())
    if len(digits) < 4:
        raise ValueError(f"a number of at least 4 digits, not {msisdn!r}")
    return digits[-4:]


@dataclass(frozen=True, slots=True)
class RowFilter:
    """What a row must be to be found; a field left None matches every row."""

    msisdn_tail: str | None = None
    operator: str | None = None
    outcome: Outcome | None = None
    work_order: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> dict[str, str]:
        """The filters given, as words for an export's header (the number by its tail only)."""
        given = {"msisdn_tail": self.msisdn_tail, "operator": self.operator,
                 "outcome": None if self.outcome is None else str(self.outcome), "work_order": self.work_order,
                 "from": None if self.since is None else utc_text(self.since),
                 "to": None if self.until is None else utc_text(self.until)}
        return {name: value for name, value in given.items() if value is not None}

    def matches(self, record: AuditRecord) -> bool:
        row = record.as_dict()
        if self.msisdn_tail is not None and _tail_of(row["msisdn_masked"]) != self.msisdn_tail:
            return False
        if self.operator is not None and row["operator"] != self.operator:
            return False
        if self.outcome is not None and row["outcome"] != str(self.outcome):
            return False
        if self.work_order is not None and _work_order_of(row["purpose"]) != typed_work_order_id(self.work_order):
            return False
        at = str(record.at)  # UTC text of one spelling (utc_text): ordered as text
        if self.since is not None and at < utc_text(self.since):
            return False
        return not (self.until is not None and at > utc_text(self.until))

    def found(self, records: Iterable[AuditRecord]) -> Iterator[AuditRecord]:
        return (record for record in records if self.matches(record))


def _tail_of(masked: object) -> str | None:
    digits = "".join(ch for ch in str(mask_msisdn_tail(str(masked))) if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def _work_order_of(purpose: object) -> str:
    """The work order a purpose begins with (``WO20261207AAAAAAAA: reason``), as the hub writes its ids: the purpose
    keeps it as the caller wrote it (a query naming ``wo20261207aaaaaaaa`` or a full-width id is denied and audited
    so), and both sides are compared in one spelling (``typed_work_order_id``)."""
    return typed_work_order_id(str(purpose)).split(":", 1)[0].strip()
