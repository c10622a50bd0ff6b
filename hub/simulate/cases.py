"""What the player keeps of each complaint and of its own run: only what the hub cannot know (which complaints
belong to the outage's burst or to the mass complaint, how many times a complaint was dispatched, what the hub
refused); the figures are read from the hub's store afterwards (``hub.simulate.figures``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hub.simulate.arrivals import Arrival
from hub.simulate.people import People

__all__ = ["Case", "PlayLog"]


@dataclass
class Case:
    """One complaint as the people around it see it."""

    arrival: Arrival
    people: People
    work_order_id: str = ""
    tier: str = ""
    priority: int = 4
    dispatches: int = 0  # dispatches that reached the hub: NSP's ticket for the latest is the one to read
    lacks: str | None = None  # why NSP cannot act on the latest dispatch's ticket (None: it can)
    incident_id: str = ""
    outage_notice: str = ""


@dataclass
class PlayLog:
    """The player's own account (what happened on its side; the hub's figures come from the store)."""

    run: str
    cases: list[Case] = field(default_factory=list)
    incidents: set[str] = field(default_factory=set)
    held: int = 0  # complaints the hub held for the open one they repeat (wo:RepeatOf): never dispatched by the agent
    refused: Counter[str] = field(default_factory=Counter)  # "action: code"
    steps: int = 0
    unfinished: int = 0
    max_lag_seconds: float = 0.0  # simulated seconds a step ran after its instant
    notice_delivered: bool = False
    cleared_delivered: bool = False
