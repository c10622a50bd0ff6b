"""The bench's callers as BOSS answers them, shared by both consumers through a JSON file.

``boss_caller`` takes what the BOSS emulator's ``QueryCustomerTier`` answers for a seeded ``Subscriber``
(``emulators/boss/service.py``: ``EffectiveTier`` is ``Subscriber.effective_tier``, derived by the population's
``effective_tier(identities)``, the highest identity winning; the account manager's id and name). The hub's worker
puts each one in its tier cache (``TierLookup.remember``, as if BOSS had answered); the minimal consumer reads the
same file for the tier it writes and for whether it notifies CRM.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from emulators.population import Population, Subscriber
from hub.workflow.tiers import TierFacts

__all__ = ["Caller", "boss_caller", "read_callers", "write_callers"]


@dataclass(frozen=True, slots=True)
class Caller:
    msisdn: str
    tier: str
    account_manager_id: str | None
    account_manager_name: str | None

    @property
    def facts(self) -> TierFacts:
        """What the hub's tier look-up makes of BOSS's answer (``hub.workflow.tiers``)."""
        return TierFacts(self.msisdn, self.tier, account_manager_id=self.account_manager_id,
                         account_manager_name=self.account_manager_name)

    @property
    def has_account_manager(self) -> bool:
        """Whether the hub notifies CRM of this caller's complaints (the hub's own rule)."""
        return self.facts.has_account_manager


def boss_caller(subscriber: Subscriber, population: Population) -> Caller:
    """The caller as the BOSS emulator of the same population answers ``QueryCustomerTier``."""
    manager = population.manager(subscriber.account_manager_id) if subscriber.account_manager_id else None
    return Caller(subscriber.msisdn, subscriber.effective_tier, subscriber.account_manager_id,
                  manager.name if manager else None)


def write_callers(path: Path, callers: dict[str, Caller]) -> Path:
    path.write_text(json.dumps([asdict(caller) for caller in callers.values()]), encoding="utf-8")
    return path


def read_callers(path: Path) -> list[Caller]:
    return [Caller(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
