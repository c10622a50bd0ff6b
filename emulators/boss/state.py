"""BOSS's mutable state: the seeded population (read-only) and the HLR records, which a sync changes.

The HLR starts as the population says (a configurable share disagreeing with BOSS); ``sync`` writes BOSS's
values into the HLR and returns each field it changed; ``reset`` puts every HLR record back to the seeded start.

BOSS is idempotent on a SyncHLR's MessageId (as CRM is on its notices): ``sync_once`` answers a MessageId it
synced before (for the same number) with that first sync's outcome, its diff and time, and syncs nothing again,
so a caller that lost the answer (its read timed out) and sends the same request again learns what was repaired.
The most recent ``max_syncs`` outcomes are kept.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulators.population import Population, Subscriber, generate_population
from emulators.toolkit.logs import emulator_logger, log_event
from hub.observability.logging import mask_msisdn

__all__ = ["BossState", "FieldChange", "SubscriberNotFound", "SyncOutcome"]

log = emulator_logger("boss")


class SubscriberNotFound(LookupError):
    """BOSS has no subscriber with this MSISDN."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    hlr_value: str
    boss_value: str


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """One SyncHLR's outcome: the fields it changed and when; ``repeat`` when it is a MessageId's first, again."""

    msisdn: str
    changes: tuple[FieldChange, ...]
    synced_at: datetime
    repeat: bool = False


class BossState:
    """The BOSS record of a seeded population plus the HLR, thread-safe."""

    def __init__(self, *, seed: int = 0, subscribers: int = 1000, hlr_drift_share: float = 0.1,
                 max_syncs: int = 100_000) -> None:
        self.population: Population = generate_population(seed, subscribers, hlr_drift_share=hlr_drift_share)
        self._lock = threading.Lock()
        self._hlr: dict[str, dict[str, str]] = {}
        self._synced: OrderedDict[str, SyncOutcome] = OrderedDict()  # by MessageId, the most recent max_syncs
        self.max_syncs = max_syncs
        self._syncs = 0
        self._fields_changed = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._hlr = {s.msisdn: s.hlr.fields() for s in self.population.subscribers}
            self._synced.clear()
            self._syncs = 0
            self._fields_changed = 0

    def subscriber(self, msisdn: str) -> Subscriber:
        found = self.population.by_msisdn(msisdn)
        if found is None:
            raise SubscriberNotFound(msisdn)
        return found

    def hlr(self, msisdn: str) -> dict[str, str]:
        """The subscriber's HLR record as it is now (field -> value)."""
        self.subscriber(msisdn)
        with self._lock:
            return dict(self._hlr[msisdn])

    def differences(self, msisdn: str) -> list[FieldChange]:
        """Fields where the HLR disagrees with BOSS now."""
        wanted = self.subscriber(msisdn).boss_hlr_fields()
        with self._lock:
            current = self._hlr[msisdn]
            return [FieldChange(f, current[f], v) for f, v in wanted.items() if current.get(f) != v]

    def sync(self, msisdn: str) -> list[FieldChange]:
        """Make the HLR match BOSS; the fields changed (none when they already agree)."""
        with self._lock:
            changes = self._sync_locked(msisdn)
        log_event(log, logging.INFO, "boss.hlr_sync", msisdn=mask_msisdn(msisdn),
                  changed=[c.field for c in changes])
        return changes

    def sync_once(self, message_id: str, msisdn: str, now: datetime) -> SyncOutcome:
        """``sync`` for the SyncHLR with ``message_id``: its first outcome again (``repeat``) when this MessageId
        synced ``msisdn`` before, else a sync now, remembered under the MessageId."""
        with self._lock:  # one sync per MessageId, also when two copies of it arrive at once
            first = self._synced.get(message_id)
            if first is None or first.msisdn != msisdn:
                outcome = SyncOutcome(msisdn, tuple(self._sync_locked(msisdn)), now)
                self._synced[message_id] = outcome
                while len(self._synced) > self.max_syncs:
                    self._synced.popitem(last=False)
        if first is not None and first.msisdn == msisdn:
            log_event(log, logging.INFO, "boss.hlr_sync_repeat", msisdn=mask_msisdn(msisdn), message_id=message_id)
            return SyncOutcome(first.msisdn, first.changes, first.synced_at, repeat=True)
        log_event(log, logging.INFO, "boss.hlr_sync", msisdn=mask_msisdn(msisdn),
                  changed=[c.field for c in outcome.changes])
        return outcome

    def _sync_locked(self, msisdn: str) -> list[FieldChange]:
        wanted = self.subscriber(msisdn).boss_hlr_fields()
        current = self._hlr[msisdn]
        changes = [FieldChange(f, current[f], v) for f, v in wanted.items() if current.get(f) != v]
        current.update((c.field, c.boss_value) for c in changes)
        self._syncs += 1
        self._fields_changed += len(changes)
        return changes

    def drifted(self) -> list[str]:
        """MSISDNs whose HLR record disagrees with BOSS now, in population order."""
        with self._lock:
            return [s.msisdn for s in self.population.subscribers if self._hlr[s.msisdn] != s.boss_hlr_fields()]

    def snapshot(self) -> dict[str, Any]:
        """JSON state: counts, HLR drift remaining, sync counts, and sample MSISDNs per tier for testers
        (synthetic numbers of this seed, so that a tester can pick a VIP or a drifted subscriber)."""
        subs = self.population.subscribers
        drifted = self.drifted()
        samples: dict[str, str] = {}
        for sub in subs:
            samples.setdefault(sub.effective_tier, sub.msisdn)
        with self._lock:
            syncs, changed = self._syncs, self._fields_changed
        return {
            "seed": self.population.seed,
            "subscribers": len(subs),
            "account_managers": len(self.population.account_managers),
            "tiers": dict(Counter(s.effective_tier for s in subs)),
            "brands": dict(Counter(s.brand for s in subs)),
            "multi_identity": sum(1 for s in subs if len(s.identities) > 1),
            "hlr_drift_at_start": len(self.population.drifted()),
            "hlr_drift_remaining": len(drifted),
            "hlr_syncs": syncs,
            "hlr_fields_changed": changed,
            "sample_msisdns": {"by_tier": samples, "hlr_drifted": drifted[:10]},
        }
