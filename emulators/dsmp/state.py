"""The DSMP emulator's state: the SP directory and SMS records derived from the seed, and the audit trail.

The directory and the records never change (records are generated per number on first use and cached, newest
``cache_size`` numbers); the audit trail (newest ``audit_capacity`` entries) is the only thing a reset forgets.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from datetime import date, datetime, timedelta
from typing import Any

from emulators.dsmp.directory import ServiceEntry, SpEntry, daily_complaints, generate_directory
from emulators.dsmp.smslog import SmsRecord, generate_records
from emulators.population import Population
from emulators.toolkit import Clock
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.xmlcommand import CST, iso
from hub.validation import ValidatedCommand

__all__ = ["DsmpState"]


class DsmpState:
    def __init__(
        self, *, seed: int | str, clock: Clock, population: Population, anchor: datetime, days: int = 30,
        sp_count: int = 12, audit_capacity: int = 10_000, cache_size: int = 512,
    ) -> None:
        self.seed, self.clock, self.population, self.anchor, self.days = seed, clock, population, anchor, days
        self.directory: tuple[SpEntry, ...] = generate_directory(seed, sp_count)
        self.log = emulator_logger("dsmp")
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, list[SmsRecord]] = OrderedDict()
        self._cache_size = cache_size
        self.audit: deque[dict[str, Any]] = deque(maxlen=audit_capacity)
        self._audit_seq = 0

    def reset(self) -> None:
        with self._lock:
            self.audit.clear()
            self._audit_seq = 0

    def records_of(self, msisdn: str) -> list[SmsRecord]:
        with self._lock:
            cached = self._cache.get(msisdn)
            if cached is not None:
                self._cache.move_to_end(msisdn)
                return cached
        records = generate_records(self.seed, msisdn, self.population.by_msisdn(msisdn), self.directory,
                                   self.anchor, self.days)
        with self._lock:
            self._cache[msisdn] = records
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return records

    def complaints(self, sp_code: str | None, first: date, last: date) -> list[tuple[SpEntry, ServiceEntry, int]]:
        """(SP, service, complaints from ``first`` to ``last`` inclusive) for one SP or all of them."""
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return [(sp, service, sum(daily_complaints(self.seed, service, day) for day in days))
                for sp in self.directory if sp_code is None or sp.code == sp_code for service in sp.services]

    def open_audit(self, command: ValidatedCommand, who: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
        """Record a query before it is answered; :meth:`close_audit` adds its outcome."""
        now = self.clock.now()
        with self._lock:
            self._audit_seq += 1
            entry = {"audit_id": f"AUD-{datetime.fromtimestamp(now, CST):%Y%m%d}-{self._audit_seq:06d}",
                     "at": iso(now), "command": command.command, "message_id": command.message_id,
                     "source_system": command.source_system, **who, "query": query, "outcome": None, "total": None}
            self.audit.append(entry)
        return entry

    def close_audit(self, entry: dict[str, Any], outcome: str, total: int | None) -> None:
        with self._lock:
            entry.update(outcome=outcome, total=total)
        log_event(self.log, logging.INFO, "dsmp.query", audit_id=entry["audit_id"], command=entry["command"],
                  operator=entry.get("operator_account"), outcome=outcome, total=total)

    def snapshot(self) -> dict[str, Any]:
        """``GET /__admin/state``: the directory, the audit trail, the population and the records' window."""
        with self._lock:
            audit = [dict(entry) for entry in self.audit]
        return {"sp_directory": [sp.to_json() for sp in self.directory], "audit": audit,
                "population": {"seed": self.population.seed, "subscribers": len(self.population.subscribers)},
                "window": {"from": iso((self.anchor - timedelta(days=self.days)).timestamp()),
                           "to": iso(self.anchor.timestamp())}}
