"""Whether an outage notice explains a complaint: its service covers the complaint's category, its area the
complaint's area, its time the complaint's. Pure functions over a ``StoredNotice`` and a complaint's facts.

* area: one of the notice's areas has the complaint's area code, and, when that area names a district, the
  complaint's district is one it names (``hub.areas.district_covers``: a notice's "Futian, around Shenzhen Civic
  Center" covers a complaint from "Futian" or "Futian District", not one from "Shenzhen"; the CRM emulator tells
  account managers by the same rule). A complaint without a district is not covered by a district-wide notice: the
  hub cannot tell, the complaint is handled as usual.
* time: the complaint's moment (its OccurredAt, or the intake time if the customer gives a later one) lies between
  the notice's Start and its ClearedAt (or now, while it is active).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.areas import district_covers
from hub.workflow.clock import as_utc
from hub.workflow.outages.notices import StoredNotice
from hub.workflow.outages.services import OutageServices

__all__ = ["ComplaintFacts", "area_matches", "best_notice", "district_matches", "explains", "time_matches"]


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    """What matching needs of a complaint (from the command at intake, or from a stored work order's row)."""

    category_code: str
    area_code: str | None
    district: str | None
    occurred_at: datetime | None
    taken_at: datetime  # the intake time (the work order's created_at)

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> ComplaintFacts:
        return cls(row["category_code"], row["area_code"], row["district"], row["occurred_at"], row["created_at"])

    @property
    def moment(self) -> datetime:
        """When the complaint's problem began, as far as the hub can tell: never later than the intake."""
        taken = as_utc(self.taken_at)
        return taken if self.occurred_at is None else min(as_utc(self.occurred_at), taken)


def district_matches(named: str, district: str | None) -> bool:
    """Whether the complaint's ``district`` is one the notice's ``named`` district text gives."""
    return district_covers(named, district)


def area_matches(notice: StoredNotice, facts: ComplaintFacts) -> bool:
    return any(area.code == facts.area_code and (not area.district or district_matches(area.district, facts.district))
               for area in notice.areas)


def time_matches(notice: StoredNotice, facts: ComplaintFacts) -> bool:
    moment = facts.moment
    return as_utc(notice.start_at) <= moment and (notice.cleared_at is None or moment <= as_utc(notice.cleared_at))


def explains(notice: StoredNotice, services: OutageServices, facts: ComplaintFacts) -> bool:
    """Service, area and time all match."""
    return (services.explains(notice.services, facts.category_code) and area_matches(notice, facts)
            and time_matches(notice, facts))


def _specificity(notice: StoredNotice, facts: ComplaintFacts) -> tuple[bool, datetime, str]:
    by_district = any(area.code == facts.area_code and area.district for area in notice.areas)
    return by_district, as_utc(notice.start_at), notice.notice_id


def best_notice(notices: Iterable[StoredNotice], services: OutageServices,
                facts: ComplaintFacts) -> StoredNotice | None:
    """The active notice that explains the complaint best: one naming its district before an area-wide one, then the
    latest to start (the fault the customer most likely met), then the notice id (a stable choice)."""
    matching = [notice for notice in notices if notice.active and explains(notice, services, facts)]
    return max(matching, key=lambda notice: _specificity(notice, facts), default=None)
