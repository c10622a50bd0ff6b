"""Whether the work order named as an SMS-log query's purpose justifies it now, for the period asked.

The subscriber's records may be read for the complaint's sake only (``adapters.dsmp.purpose``), so the work order
binds the query in time as well as to its subscriber:

* a CANCELLED work order justifies nothing (``purpose-work-order-cancelled``): the complaint was withdrawn or
  taken in error;
* a CLOSED one justifies queries for ``[adapters.dsmp] sms_log_days_after_close`` days (default 30) after its
  closing (``purpose-work-order-closed``): a late question of the customer's, an SP dispute;
* the period must lie within the complaint's (``purpose-period-outside-complaint``, naming the allowed period): it
  starts at most ``sms_log_days_before_complaint`` days (default 31, the longest period one query may cover) before
  the day the trouble began (``OccurredAt``, or the work order's creation when the customer gave no time), from
  00:00 of that day in the operator's time (Asia/Shanghai: an agent asks for whole days), and ends no later than
  the work order's closing; for a work order not closed it must start no later than now (its end may lie ahead:
  DSMP holds no records beyond now).

Every refusal is a ``PurposeRefused``: the handler writes its ``denied`` row before answering ``c:Error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.dsmp.periods import Moment
from adapters.dsmp.purpose import WorkOrderParties
from adapters.dsmp.refusals import PurposeRefused

__all__ = ["OPERATOR_DAY", "ComplaintWindow", "check_complaint"]

OPERATOR_DAY = ZoneInfo("Asia/Shanghai")  # whose midnight a period of whole days starts at


@dataclass(frozen=True, slots=True)
class ComplaintWindow:
    """The period a complaint lets SMS records be read for: from ``start``; to ``end``, the work order's closing
    (None: not closed, the period may not start after ``now``)."""

    start: datetime
    end: datetime | None
    now: datetime

    @classmethod
    def of(cls, parties: WorkOrderParties, before: timedelta, now: datetime) -> ComplaintWindow:
        end = parties.closed_at if parties.closed else None
        earliest = (parties.complaint_began - before).astimezone(OPERATOR_DAY)
        return cls(earliest.replace(hour=0, minute=0, second=0, microsecond=0), end, now)

    def holds(self, start: datetime, end: datetime) -> bool:
        if start < self.start:
            return False
        return end <= self.end if self.end is not None else start <= self.now

    def __str__(self) -> str:
        if self.end is not None:
            return f"{_utc(self.start)} to {_utc(self.end)} (the work order's closing)"
        return f"from {_utc(self.start)}, starting no later than now ({_utc(self.now)})"


def check_complaint(parties: WorkOrderParties, work_order_id: str, period: tuple[Moment, Moment], *,
                    before: timedelta, after_close: timedelta, now: datetime) -> None:
    """``PurposeRefused`` unless work order ``work_order_id`` (``parties``) justifies a query for ``period`` at
    ``now``: not cancelled, not closed longer than ``after_close`` ago, the period within ``ComplaintWindow``."""
    if parties.cancelled:
        raise PurposeRefused.cancelled(work_order_id)
    if parties.closed and parties.closed_at is not None and now - parties.closed_at > after_close:
        raise PurposeRefused.closed_long_ago(work_order_id, parties.closed_at, after_close.days)
    window = ComplaintWindow.of(parties, before, now)
    start, end = period
    if not window.holds(start.at, end.at):
        raise PurposeRefused.outside_complaint(work_order_id, f"{start.text} to {end.text}", str(window))


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")
