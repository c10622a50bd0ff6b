"""CRM's state: the account managers and their customers (from the same seeded population as BOSS, so the same
seed gives the same ``account_manager_id``s), and the notices received.

A notice is kept with the id CRM gave it (``AMN`` + yyyymmdd + a 6-digit sequence per day). CRM is idempotent on
the request's MessageId: a repeated notice gets the id of the first one and is not stored twice (the hub delivers
at least once). The most recent ``max_notices`` notices are kept in full; the counts cover every notice.

An area outage (``notify_area``) is told to the account managers whose VIP and group customers live in the affected
areas; which version of a notice is the newest, and whom it tells: ``emulators.crm.area_outages``.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from emulators.crm.area_outages import (
    ENDED,
    STATUS_RANK,
    AreaOutage,
    KeptVersion,
    ManagerTold,
    lives_in,
    merged_told,
    older_than_kept,
)
from emulators.population import Population, generate_population
from emulators.toolkit.logs import emulator_logger, log_event
from hub.observability.logging import mask_msisdn

__all__ = ["AccountManagerNotFound", "AreaOutage", "CrmState", "ManagerTold", "Notice"]

log = emulator_logger("crm")


class AccountManagerNotFound(LookupError):
    """CRM has no account manager with this id."""


@dataclass(frozen=True, slots=True)
class Notice:
    notice_id: str
    message_id: str
    account_manager_id: str
    msisdn: str
    customer_tier: str
    work_order_id: str
    summary: str
    channels: tuple[str, ...]
    priority: int
    received_at: str
    known_customer: bool  # the MSISDN is one of this account manager's customers in the population
    category_code: str | None = None
    due_at: str | None = None


class CrmState:
    def __init__(self, *, seed: int = 0, subscribers: int = 1000, hlr_drift_share: float = 0.1,
                 max_notices: int = 10_000) -> None:
        self.population: Population = generate_population(seed, subscribers, hlr_drift_share=hlr_drift_share)
        self.max_notices = max_notices
        self._lock = threading.Lock()
        self._notices: OrderedDict[str, Notice] = OrderedDict()  # by message id, most recent last
        self._per_day: Counter[str] = Counter()
        self._by_manager: Counter[str] = Counter()
        self._total = 0
        self._outages: OrderedDict[tuple[str, int, str, str], AreaOutage] = OrderedDict()  # (notice, revision,
        # status, message): a correction at one revision and status is a telling of its own
        self._newest: dict[str, KeptVersion] = {}  # per notice id

    def reset(self) -> None:
        with self._lock:
            self._notices = OrderedDict()
            self._per_day = Counter()
            self._by_manager = Counter()
            self._total = 0
            self._outages = OrderedDict()
            self._newest = {}

    def managers_in(self, areas: tuple[tuple[str, str | None], ...]) -> tuple[ManagerTold, ...]:
        """The account managers of VIP and group customers in ``areas``, with how many of theirs live there."""
        affected: Counter[str] = Counter(s.account_manager_id for s in self.population.subscribers
                                         if s.account_manager_id is not None and lives_in(s, areas))
        told = []
        for manager_id, count in sorted(affected.items()):
            manager = self.population.manager(manager_id)
            told.append(ManagerTold(manager_id, manager.area_code if manager else "", count))
        return tuple(told)

    def notify_area(self, *, message_id: str, outage_notice_id: str, status: str, kind: str, revision: int | None,
                    title: str, areas: tuple[tuple[str, str | None], ...], services: tuple[str, ...],
                    received: datetime, sent_at: datetime | None = None, details: tuple[object, ...] = ()
                    ) -> AreaOutage:
        """Tell the account managers of the areas who were not told this status yet, if this is the notice's newest
        version; an older or the same version is the newest telling, marked a repeat (``emulators.crm.area_outages``).
        ``sent_at``: NSP's NoticeSentAt; ``details``: the rest of what the request says of the notice (its times,
        wording, summary), compared with ``kind``, ``title``, ``areas`` and ``services`` to tell a correction."""
        managers = self.managers_in(areas)
        content = (kind, title, areas, services, details)
        with self._lock:
            kept = self._newest.get(outage_notice_id)
            if revision is None:
                revision = kept.version[0] if kept is not None and status in ENDED else 1
            version = (revision, STATUS_RANK.get(status, 0))
            if kept is not None and older_than_kept(kept, version, content, sent_at):
                return replace(self._outages.get(kept.key) or kept.told, repeat=True)
            already = kept.told_now if kept is not None and kept.status == status else {}
            if status in ENDED and kept is not None and kept.status != status:
                managers = merged_told(managers, kept.told_now)  # everyone told it was active hears it is over
            fresh = tuple(m for m in managers if m.account_manager_id not in already)
            if kept is not None and kept.status == status and not fresh:
                # a newer version telling nobody new: answered as the telling before
                kept.version, kept.content, kept.sent_at = version, content, sent_at
                return replace(self._outages.get(kept.key) or kept.told, repeat=True)
            outage = AreaOutage(outage_notice_id=outage_notice_id, status=status, kind=kind, revision=revision,
                                message_id=message_id, title=title, areas=areas, services=services,
                                received_at=received.isoformat(), managers=fresh)
            key = (outage_notice_id, revision, status, message_id)
            self._outages[key] = outage
            self._newest[outage_notice_id] = KeptVersion(version, status, key, outage,
                                                   {**already, **{m.account_manager_id: m for m in fresh}},
                                                   content, sent_at)
            while len(self._outages) > self.max_notices:
                self._outages.popitem(last=False)
            while len(self._newest) > self.max_notices:
                self._newest.pop(next(iter(self._newest)))
        log_event(log, logging.INFO, "crm.area_outage_told", outage_notice_id=outage_notice_id, status=status,
                  revision=revision, areas=[code for code, _ in areas], managers=len(outage.managers),
                  customers=outage.affected_customers)
        return outage

    def area_outages(self) -> list[AreaOutage]:
        with self._lock:
            return list(self._outages.values())

    def notify(self, *, message_id: str, account_manager_id: str, msisdn: str, customer_tier: str,
               work_order_id: str, summary: str, channels: tuple[str, ...], priority: int, received: datetime,
               category_code: str | None = None, due_at: datetime | None = None) -> Notice:
        """Store a notice and return it; unknown manager -> :class:`AccountManagerNotFound`."""
        if self.population.manager(account_manager_id) is None:
            raise AccountManagerNotFound(account_manager_id)
        known = any(s.msisdn == msisdn for s in self.population.customers_of(account_manager_id))
        with self._lock:
            previous = self._notices.get(message_id)
            if previous is not None:
                return previous
            day = received.strftime("%Y%m%d")
            self._per_day[day] += 1
            notice = Notice(
                notice_id=f"AMN{day}{self._per_day[day] % 1_000_000:06d}", message_id=message_id,
                account_manager_id=account_manager_id, msisdn=msisdn, customer_tier=customer_tier,
                work_order_id=work_order_id, summary=summary, channels=channels, priority=priority,
                received_at=received.isoformat(), known_customer=known, category_code=category_code,
                due_at=due_at.isoformat() if due_at is not None else None,
            )
            self._notices[message_id] = notice
            while len(self._notices) > self.max_notices:
                self._notices.popitem(last=False)
            self._by_manager[account_manager_id] += 1
            self._total += 1
        log_event(log, logging.INFO, "crm.notice_stored", notice_id=notice.notice_id, manager=account_manager_id,
                  msisdn=mask_msisdn(msisdn), known_customer=known)
        return notice

    def notices(self) -> list[Notice]:
        with self._lock:
            return list(self._notices.values())

    def snapshot(self, recent: int = 50) -> dict[str, Any]:
        """JSON state: managers, their customer counts, every notice counted, the most recent in full."""
        managers = self.population.account_managers
        with self._lock:
            latest = list(self._notices.values())[-recent:]
            total, by_manager = self._total, dict(self._by_manager)
            outages = list(self._outages.values())[-recent:]
        return {
            "seed": self.population.seed,
            "account_managers": len(managers),
            "managed_customers": sum(len(self.population.customers_of(m.id)) for m in managers),
            "managers": [{"id": m.id, "name": m.name, "area_code": m.area_code,
                          "customers": len(self.population.customers_of(m.id))} for m in managers],
            "notices": total,
            "notices_by_manager": by_manager,
            "recent_notices": [asdict(n) for n in latest],
            "area_outages": [{**asdict(o), "affected_customers": o.affected_customers} for o in outages],
        }
