"""What a fault report (障碍申报单) and an information notice (信息报送单) say besides a notice's common fields, as
the workflow keeps them with the notice (``outage_notices``, migration 0021): who raised the fault, when the network
department replies, the handler's result feedback (what was done, by whom, the handler's phone, when), customer
service's feedback on a planned adjustment and the sending department's answer. The rule does not read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.bulletin.notice import REPORT_FIELDS

__all__ = ["NoticeReport"]


@dataclass(frozen=True, slots=True)
class NoticeReport:
    """What a fault report adds (who raised it, when the network replies, the handler's result feedback) and what an
    information notice adds (customer service's feedback, the sending department's answer); times in UTC."""

    initiator: str | None = None
    reply_time: datetime | None = None
    feedback_result: str | None = None
    feedback_handler: str | None = None
    feedback_phone: str | None = None
    feedback_at: datetime | None = None
    customer_service_feedback: str | None = None
    sender_answer: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> NoticeReport | None:
        """The row's report fields; None when it has none (a notice without them, or kept before 0021)."""
        report = cls(**{name: row.get(name) for name in REPORT_FIELDS})
        return report if report != cls() else None
