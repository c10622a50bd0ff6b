"""The records of a seeded population: identities, services, HLR records, subscribers, account managers.

All records are frozen. Values use the codes of ``common.xsd`` / ``boss.xsd`` (tiers, brands, VIP levels, group
roles DECISION_MAKER/CONTACT/MEMBER, subscriber status, service codes) so that emulators can answer them as-is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from hub.customer_tiers import AnswerTarget, answer_target, priority_of

__all__ = [
    "DRIFT_KINDS",
    "KEY_PERSON_ROLES",
    "AccountManager",
    "HlrRecord",
    "Identity",
    "Population",
    "Service",
    "Subscriber",
    "hlr_value",
]

KEY_PERSON_ROLES = frozenset({"DECISION_MAKER", "CONTACT"})
# How an HLR record disagrees with BOSS (the published handbook cases):
# MISSING_ROAMING: the roaming right is not in the HLR; WRONG_BARRING: outgoing calls barred in the HLR only;
# STALE_STATUS: BOSS reconnected the subscriber, the HLR still has the old one-way suspension (and barring);
# LINE2_SETTING: the "line 2" (alternate line) setting is on in the HLR only; STALE_IMSI: SIM changed in BOSS.
DRIFT_KINDS: tuple[str, ...] = ("MISSING_ROAMING", "WRONG_BARRING", "STALE_STATUS", "LINE2_SETTING", "STALE_IMSI")


@dataclass(frozen=True, slots=True)
class Identity:
    """One identity a customer holds (``boss.xsd`` Identity)."""

    tier: str
    vip_level: str | None = None
    group_id: str | None = None
    group_name: str | None = None
    group_role: str | None = None  # DECISION_MAKER / CONTACT (key persons) or MEMBER
    home_area: str | None = None  # the caller's home area code, for LONG_DISTANCE_ROAMING
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Service:
    code: str  # boss.xsd ServiceCode
    enabled: bool
    since: datetime | None = None


def hlr_value(enabled: bool) -> str:
    return "ON" if enabled else "OFF"


@dataclass(frozen=True, slots=True)
class HlrRecord:
    """What the HLR holds for a subscriber: status, IMSI and each service ON/OFF."""

    status: str
    imsi: str
    services: tuple[tuple[str, bool], ...]

    def fields(self) -> dict[str, str]:
        """HLR field (``boss.xsd`` HlrField) -> value (``FieldValue``), in a stable order."""
        values = {"SUBSCRIBER_STATUS": self.status, "IMSI": self.imsi}
        values.update((code, hlr_value(enabled)) for code, enabled in self.services)
        return values


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A subscriber as BOSS holds it, with the identities, the effective tier and the HLR record."""

    msisdn: str
    brand: str  # QQT / SZX / DGDD / OTHER
    payment_type: str  # POSTPAID / PREPAID
    status: str
    area_code: str
    district: str
    identities: tuple[Identity, ...]
    effective_tier: str
    account_manager_id: str | None
    customer_name: str
    imsi: str
    iccid: str
    balance: Decimal
    opened_at: datetime
    status_changed_at: datetime | None
    status_reason: str | None
    services: tuple[Service, ...]
    hlr: HlrRecord
    drift: tuple[str, ...] = ()  # DRIFT_KINDS seeded into this subscriber's HLR record

    @property
    def priority(self) -> int:
        return priority_of(self.effective_tier)

    @property
    def answer_target(self) -> AnswerTarget:
        return answer_target(self.effective_tier)

    def boss_hlr_fields(self) -> dict[str, str]:
        """The HLR fields as BOSS says they should be (what a sync writes into the HLR)."""
        return HlrRecord(self.status, self.imsi, tuple((s.code, s.enabled) for s in self.services)).fields()


@dataclass(frozen=True, slots=True)
class AccountManager:
    id: str  # PartyId, e.g. am-0755-0042
    name: str
    phone: str
    email: str
    area_code: str
    department: str


@dataclass(frozen=True)
class Population:
    """A deterministic population: same seed and sizes, same data."""

    seed: int
    subscribers: tuple[Subscriber, ...]
    account_managers: tuple[AccountManager, ...]
    _index: Mapping[str, Subscriber] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {s.msisdn: s for s in self.subscribers})

    def by_msisdn(self, msisdn: str) -> Subscriber | None:
        return self._index.get(msisdn)

    @cached_property
    def _managers(self) -> dict[str, AccountManager]:
        return {m.id: m for m in self.account_managers}

    @cached_property
    def _customers(self) -> dict[str, tuple[Subscriber, ...]]:
        grouped: dict[str, list[Subscriber]] = {m.id: [] for m in self.account_managers}
        for sub in self.subscribers:
            if sub.account_manager_id is not None:
                grouped[sub.account_manager_id].append(sub)
        return {key: tuple(value) for key, value in grouped.items()}

    def manager(self, manager_id: str) -> AccountManager | None:
        return self._managers.get(manager_id)

    def customers_of(self, manager_id: str) -> tuple[Subscriber, ...]:
        """The VIP and group customers whose account manager is ``manager_id`` (empty if unknown)."""
        return self._customers.get(manager_id, ())

    def drifted(self) -> tuple[Subscriber, ...]:
        """Subscribers whose HLR record disagrees with BOSS at the seeded start."""
        return tuple(s for s in self.subscribers if s.drift)
