"""The simulator's province day as the demo plays parts of it: the outage's burst and the mass complaint.

The load source is the simulator's (``hub.simulate``: ``arrivals(build_scenario(seed))``, each arrival's
CreateWorkOrder made by ``hub.simulate.documents``). ``hub.simulate`` stands above the demo in the layers (it starts
its system with the demo's stage), so the demo does not import it: ``onepoint demo`` (``hub.cli``, above both)
builds a ``ProvinceDay`` from the simulator's day and hands it in. Nothing here draws or writes a complaint.

The simulated day lies in November 2026 and the demo runs on real time, so each complaint is re-timed when it is
sent: ``DayComplaint.document(message_id, taken_by=..., at=now)`` is the arrival's own CreateWorkOrder with the
day shifted so that the complaint happens ``at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

__all__ = ["SEED", "DayComplaint", "DayOutage", "ProvinceDay", "WorkOrderMaker"]

SEED = 0  # the day's seed: the emulators' population (``start_emulators``' seed), so every caller is BOSS's customer


class WorkOrderMaker(Protocol):
    """The simulator's CreateWorkOrder for one arrival, re-timed so that the complaint happens ``at``."""

    def __call__(self, message_id: str, *, taken_by: str, at: datetime) -> bytes: ...


@dataclass(frozen=True, slots=True)
class DayComplaint:
    """One complaint of the day: what the demo shows of it (the number masked when printed) and its document."""

    number: int  # the arrival's number in the day
    kind: str  # outage | mass
    at: datetime  # when it came in the simulated day
    msisdn: str
    channel: str
    category: str
    phenomenon: str
    area_code: str
    district: str
    intake_point: str | None
    document: WorkOrderMaker


@dataclass(frozen=True, slots=True)
class DayOutage:
    """The day's network fault: where, which services, what its customers complain of, and its times."""

    area_code: str
    district: str
    services: tuple[str, ...]
    categories: tuple[str, ...]
    starts: datetime
    notice_at: datetime  # when NSP's notice came in the simulated day
    cleared_at: datetime

    @property
    def noticed_after(self) -> timedelta:
        return self.notice_at - self.starts

    @property
    def lasts(self) -> timedelta:
        return self.cleared_at - self.starts


@dataclass(frozen=True, slots=True)
class ProvinceDay:
    """The parts of the simulator's day of ``seed`` the demo plays."""

    seed: int
    day: date
    outage: DayOutage
    outage_burst: tuple[DayComplaint, ...]  # in time order, before and after the notice
    mass_intake_point: str
    mass_complaints: tuple[DayComplaint, ...]  # in time order

    @property
    def after_notice(self) -> tuple[DayComplaint, ...]:
        """The burst's complaints taken while NSP's notice was known (the ones the rule answers at intake)."""
        return tuple(c for c in self.outage_burst if c.at >= self.outage.notice_at)
