"""How the simulated people behave, in simulated time: the CS agents, the network centre (NMC behind NSP), the
return-visit team. Every delay and choice is drawn from a ``random.Random`` seeded by the scenario's seed and the
complaint's number, so a seed plays the same decisions whatever the rules changed.

* An agent whose dispatch was refused for missing fields asks the customer and dispatches again 10-30 min later;
  after NSP rejected a dispatch as too poor, 15-45 min later with every field right.
* The network centre rejects a dispatch it cannot act on (a template field missing, or a place or terminal given
  as "not known") 30-90 min after it came; it answers the others after 1-3 h (priority 1), 2-5 h (priority 2) or
  3-8 h, one in ten only after 8-30 h (a field visit, a vendor's fix first), and a complaint a known outage
  explains 20-40 min after it came (it looks the fault up), never before the outage is known to it.
* Customer service tells the customer NSP's findings 10-40 min after they came, answers a complaint it handles
  itself 5-45 min after intake (2-12 min for priority 1), visits back 1-6 h after the reply (1-2 h for VIPs)
  and closes 2-10 min later.
"""

from __future__ import annotations

import random
from datetime import timedelta

__all__ = ["People"]

HARD_SHARE = 0.1  # of the network centre's answers: a field visit or a vendor's fix first (8-30 h)
VIP = ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON")
SATISFACTION: dict[str, float] = {"SATISFIED": 0.78, "BASICALLY_SATISFIED": 0.15, "DISSATISFIED": 0.05,
                                  "NOT_REACHED": 0.02}


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


class People:
    """The delays and choices of the people around one complaint (``rng`` per complaint)."""

    def __init__(self, seed: int, number: int) -> None:
        self.rng = random.Random(f"{seed}:people:{number}")  # noqa: S311 - simulated behaviour

    def agent_dispatch(self) -> timedelta:
        """After intake without a complete template: the agent fills in what it has and dispatches."""
        return _minutes(self.rng, 2, 10)

    def agent_completes(self) -> timedelta:
        """After a refusal for missing fields: the agent asks the customer again."""
        return _minutes(self.rng, 10, 30)

    def agent_clarifies(self) -> timedelta:
        """After NSP rejected the dispatch as too poor."""
        return _minutes(self.rng, 15, 45)

    def nsp_rejects(self) -> timedelta:
        return _minutes(self.rng, 30, 90)

    def nsp_answers(self, priority: int) -> timedelta:
        if self.rng.random() < HARD_SHARE:  # a field visit, a vendor's fix: the case the SLA limits are for
            return _minutes(self.rng, 8 * 60, 30 * 60)
        low, high = {1: (60, 180), 2: (120, 300)}.get(priority, (180, 480))
        return _minutes(self.rng, low, high)

    def nsp_matches_outage(self) -> timedelta:
        return _minutes(self.rng, 20, 40)

    def cs_tells_findings(self) -> timedelta:
        return _minutes(self.rng, 10, 40)

    def cs_answers_itself(self, priority: int) -> timedelta:
        return _minutes(self.rng, 2, 12) if priority == 1 else _minutes(self.rng, 5, 45)

    def return_visit(self, tier: str) -> timedelta:
        return _minutes(self.rng, 60, 120) if tier in VIP else _minutes(self.rng, 60, 360)

    def closes(self) -> timedelta:
        return _minutes(self.rng, 2, 10)

    def satisfaction(self) -> str:
        return self.rng.choices(list(SATISFACTION), weights=list(SATISFACTION.values()))[0]

    def agent(self) -> str:
        return f"cs-agent-{self.rng.randrange(1, 60):04d}"

    def engineer(self, area: str) -> str:
        return f"noc-{area}-{self.rng.randrange(1, 200):03d}"

    def visitor(self) -> str:
        return f"rv-{self.rng.randrange(1000, 9999)}"
