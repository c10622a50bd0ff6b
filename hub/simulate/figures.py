"""The figures of a run, read from the hub's work-order store (what the hub did, not what the player meant):
complaints by channel, tier and state, dispatches and their fate, answers at intake, incidents, SLA compliance per
tier and the timings. The player only says which work orders were the outage's burst and the mass complaint (the
hub links them only when the rules are on)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, select

from hub.workflow.store.schema import outage_notices, work_order_history, work_orders

__all__ = ["BurstFigures", "Figures", "TierSla", "read_figures"]


@dataclass
class TierSla:
    first_met: int = 0
    first_breached: int = 0
    reply_met: int = 0
    reply_breached: int = 0

    @staticmethod
    def share(met: int, breached: int) -> float | None:
        return None if met + breached == 0 else met / (met + breached)

    @property
    def first_response(self) -> float | None:
        return self.share(self.first_met, self.first_breached)

    @property
    def reply(self) -> float | None:
        return self.share(self.reply_met, self.reply_breached)


@dataclass
class BurstFigures:
    """The outage's burst or the mass complaint: what became of those complaints."""

    complaints: int = 0
    answered_at_intake: int = 0
    dispatches: int = 0  # DISPATCH actions in the hub's history: the complaints' own and their incidents'
    nsp_tickets: int = 0  # what NSP received for them (its tickets: an incident's fault report counts too)
    incident_tickets: int = 0  # of them, for their incidents
    incidents: int = 0
    linked: int = 0  # to an outage notice or an incident
    intake_to_answer_s: float | None = None  # median, answered at intake (simulated seconds)
    dispatch_to_reply_s: float | None = None  # median, dispatched: until NSP's answer reached the hub


@dataclass
class Figures:
    complaints: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_tier: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    incidents: int = 0
    dispatches: int = 0
    dispatches_refused: int = 0  # refused at the hub: the template's fields missing
    dispatches_unchecked: int = 0  # let out with fields missing (templates not enforced)
    dispatches_rejected: int = 0  # sent back by the receiving department as too poor
    auto_answered: int = 0
    held_repeats: int = 0  # held for the open complaint they repeat (REPEAT_OF), answered with it
    sla: dict[str, TierSla] = field(default_factory=dict)
    first_response_median_s: float | None = None
    reply_median_s: float | None = None
    outage: BurstFigures = field(default_factory=BurstFigures)
    mass: BurstFigures = field(default_factory=BurstFigures)
    notices: list[dict[str, Any]] = field(default_factory=list)  # the hub's outage notices with their counts

    @property
    def invalid_dispatch_share(self) -> float | None:
        return None if not self.dispatches else self.dispatches_rejected / self.dispatches

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["invalid_dispatch_share"] = self.invalid_dispatch_share
        data["sla"] = {tier: {**asdict(s), "first_response": s.first_response, "reply": s.reply}
                       for tier, s in self.sla.items()}
        return data


def _median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def _first(history: list[dict[str, Any]], match: Any) -> datetime | None:
    return next((h["at"] for h in history if match(h)), None)


def _burst(ids: Collection[str], orders: dict[str, dict[str, Any]], history: dict[str, list[dict[str, Any]]],
           column: str, tickets: Counter[str]) -> BurstFigures:
    burst = BurstFigures(complaints=len(ids))
    incidents = {orders[i]["incident_id"] for i in ids if i in orders and orders[i]["incident_id"]}
    burst.nsp_tickets = sum(tickets[i] for i in [*ids, *incidents])
    burst.incident_tickets = sum(tickets[i] for i in incidents)
    answers, replies = [], []
    for work_order_id in [*ids, *incidents]:
        entries = history.get(work_order_id, [])
        burst.dispatches += sum(1 for h in entries if h["action"] == "DISPATCH" and h["kind"] == "state")
    for work_order_id in ids:
        row, entries = orders.get(work_order_id), history.get(work_order_id, [])
        if row is None:
            continue
        burst.linked += 1 if row[column] else 0
        answered = _first(entries, lambda h: h["action"] == "AUTO_ANSWER")
        if answered is not None:
            burst.answered_at_intake += 1
            answers.append((answered - row["created_at"]).total_seconds())
        dispatched = _first(entries, lambda h: h["action"] == "DISPATCH" and h["kind"] == "state")
        # NSP's reply itself, not its ticket noted at acceptance (workorder.NspDispatchNote: a field entry by NSP too)
        nsp = _first(entries, lambda h: h["kind"] == "field" and h["field"] == "nsp_result")
        if dispatched is not None and nsp is not None:
            replies.append((nsp - dispatched).total_seconds())
    burst.incidents = len(incidents)
    burst.intake_to_answer_s, burst.dispatch_to_reply_s = _median(answers), _median(replies)
    return burst


def _sla(rows: Iterable[dict[str, Any]], auto: set[str], now: datetime) -> dict[str, TierSla]:
    sla: dict[str, TierSla] = defaultdict(TierSla)
    for row in rows:
        tier = sla[row["tier"] or "?"]
        due, done = row["first_response_due"], row["first_responded_at"]
        if due is not None and done is not None:
            tier.first_met += done <= due
            tier.first_breached += done > due
        elif due is not None and due < now:
            tier.first_breached += 1
        if row["id"] in auto:
            continue  # answered at intake: off the SLA clock
        due, done = row["reply_due"], row["replied_at"]
        if due is not None and done is not None:
            tier.reply_met += done <= due
            tier.reply_breached += done > due
        elif row["state"] == "CANCELLED":  # needs no reply, unless cancelled after its limit ran out: breached
            tier.reply_breached += due is not None and row["closed_at"] is not None and row["closed_at"] > due
        elif due is not None and due < now:
            tier.reply_breached += 1
    return dict(sorted(sla.items()))


def read_figures(database: str, now: datetime, *, outage_ids: Collection[str] = (),
                 mass_ids: Collection[str] = (), nsp_tickets: Iterable[str] = ()) -> Figures:
    """The figures of the store at ``database`` (a SQLAlchemy URL) as of the simulated instant ``now``;
    ``nsp_tickets``: the work order of each ticket NSP holds."""
    tickets = Counter(nsp_tickets)
    engine = create_engine(database)
    try:
        with engine.connect() as db:
            rows = [dict(r._mapping) for r in db.execute(select(work_orders))]
            entries = [dict(r._mapping) for r in db.execute(
                select(work_order_history).order_by(work_order_history.c.work_order_id, work_order_history.c.seq))]
            notices = [dict(r._mapping) for r in db.execute(select(
                outage_notices.c.notice_id, outage_notices.c.status, outage_notices.c.linked_count,
                outage_notices.c.auto_answered_count, outage_notices.c.dispatch_count))]
    finally:
        engine.dispose()
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        history[entry["work_order_id"]].append(entry)
    orders = {r["id"]: r for r in rows}
    complaints = [r for r in rows if r["ticket_type"] != "INCIDENT"]
    actions = Counter(h["action"] for h in entries)
    auto = {h["work_order_id"] for h in entries if h["action"] == "AUTO_ANSWER"}
    first = [(r["first_responded_at"] - r["created_at"]).total_seconds() for r in complaints
             if r["first_responded_at"] is not None]
    replied = [(r["replied_at"] - r["created_at"]).total_seconds() for r in complaints if r["replied_at"] is not None]
    return Figures(
        complaints=len(complaints), by_channel=dict(Counter(r["channel"] for r in complaints).most_common()),
        by_tier=dict(Counter(r["tier"] for r in complaints).most_common()),
        by_state=dict(Counter(r["state"] for r in complaints).most_common()),
        incidents=len(rows) - len(complaints),
        dispatches=sum(1 for h in entries if h["action"] == "DISPATCH" and h["kind"] == "state"),
        dispatches_refused=actions["DISPATCH_REFUSED"], dispatches_unchecked=actions["DISPATCH_UNCHECKED"],
        dispatches_rejected=sum(1 for h in entries if h["action"] == "REJECT_DISPATCH" and h["kind"] == "state"),
        auto_answered=len(auto), held_repeats=actions["REPEAT_OF"], sla=_sla(complaints, auto, now),
        first_response_median_s=_median(first), reply_median_s=_median(replied),
        outage=_burst(outage_ids, orders, history, "outage_id", tickets),
        mass=_burst(mass_ids, orders, history, "incident_id", tickets),
        notices=notices)
