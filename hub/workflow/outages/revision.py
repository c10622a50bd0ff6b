"""What a newer ACTIVE revision does to the work orders an earlier one linked: each is matched again, and one the
revision no longer explains (it dropped the complaint's area or district, a service, or moved its Start) is
unlinked, so the clearance does not tell its customer that an outage which never covered them is over.

The lifecycle has no way back (docs/lifecycle.md), so nothing is undone: an unlinked work order keeps its state.
One not answered yet (ACCEPTED, DISPATCHED, …) goes on as any complaint: the notice was linked after its intake,
which had already dispatched it or not by the usual rules, and its owner is told the notice no longer covers it; a
child of an incident is no longer answered by the incident's resolution either while the incident is linked to a
notice (``incidents.resolution``): its owner handles it. An AUTO_ANSWERED one was told the notice's wording, which
the revision takes back: its owner gets an OA to-read (the outage rule's "a person must act", as for a
DISPATCH_REJECTED work order at clearance) to tell the customer and reply (the lifecycle allows Reply and Callback
from AUTO_ANSWERED, no Dispatch), and it is back on its reply limit (``reply_clock``): ignored, it is breached and
escalated like any complaint. A later revision explaining it again links it again (``relinking``). Each gets an
``OUTAGE_UNLINKED`` history entry naming the notice, the revision and why; the notice's counters give back what the
work order's link had added (``link_counts``: what its history showed then, not its fields now), never below zero.
An incident stays linked while any of its children does (``arrival``: it is linked for them), else it is matched
like a complaint. ``let_go`` is the unlinking itself, whatever the reason: a withdrawal (``withdrawal``) lets every
linked work order go the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, select

from hub.workflow.clock import operator_instant
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.outages.arrival import LINKED_OPEN, NoticeOutcome, told
from hub.workflow.outages.link_counts import LinkCounts, counted_at_link
from hub.workflow.outages.matching import ComplaintFacts, area_matches, explains, time_matches
from hub.workflow.outages.notice_counts import take_back_counts
from hub.workflow.outages.notices import StoredNotice
from hub.workflow.outages.relinking import UNLINKED
from hub.workflow.outages.reply_clock import back_on_reply_limit
from hub.workflow.outages.services import OutageServices
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.schema import work_orders

__all__ = ["UNLINKED", "LetGo", "let_go", "unlink_unexplained"]

log = logging.getLogger("onepoint.workflow.outages")

_wo = work_orders.c


def _why(notice: StoredNotice, services: OutageServices, facts: ComplaintFacts, zone: tzinfo) -> str:
    """Which of service, area and time the revision no longer matches (its Start in the operator's ``zone``)."""
    if not services.explains(notice.services, facts.category_code):
        return (f"its services ({', '.join(sorted(notice.services))}) no longer cover category "
                f"{facts.category_code}")
    if not area_matches(notice, facts):
        areas = ", ".join(f"{a.code} {a.district}" if a.district else a.code for a in notice.areas)
        where = f"{facts.area_code} {facts.district}" if facts.district else str(facts.area_code)
        return f"its areas ({areas}) no longer cover {where}"
    if not time_matches(notice, facts):
        return f"its Start ({operator_instant(notice.start_at, zone)}) is after the complaint's moment"
    return "it no longer explains it"


def _children_linked(tx: WorkOrderTransaction, incident_id: str, notice_id: str) -> bool:
    query = select(func.count()).select_from(work_orders).where(
        _wo.incident_id == incident_id, _wo.outage_id == notice_id)
    return bool(tx.db.execute(query).scalar())


def _then(row: dict[str, Any], answered: bool) -> str:
    """What becomes of the unlinked work order, for its history."""
    if answered:
        return ("the customer was answered with its wording: the work order needs handling by a person (tell the "
                "customer and reply; its reply limit runs again)")
    if row["incident_id"] is not None:
        return (f"handled as any complaint from now on; neither the clearance nor incident {row['incident_id']}'s "
                "resolution will reply it")
    return "handled as any complaint from now on; the clearance will not reply it"


@dataclass(frozen=True, slots=True)
class LetGo:
    """Why a notice lets its linked work orders go, as their history and their owners' to-reads say it:
    ``history(why)`` and ``to_read(work order, why)`` of ``why(row)``, the reason for each one."""

    history: Callable[[str], str]
    to_read: Callable[[str, str], str]
    why: Callable[[dict[str, Any]], str | None]  # None: the work order keeps its link
    incidents_follow_children: bool = True  # an incident keeps its link while a child of it does


def unlink_unexplained(tx: WorkOrderTransaction, engine: WorkOrderEngine, services: OutageServices,
                       notice: StoredNotice, now: datetime, outcome: NoticeOutcome) -> None:
    """Unlink the open and AUTO_ANSWERED work orders linked to ``notice`` that its revision no longer explains
    (complaints first, then incidents: an incident keeps its link while a child of it does)."""
    step = f"{notice.notice_id} revision {notice.revision}"

    def why(row: dict[str, Any]) -> str | None:
        facts = ComplaintFacts.of_row(row)
        return None if explains(notice, services, facts) else _why(notice, services, facts,
                                                                   engine.settings.local_zone)

    let_go(tx, engine, notice, now, outcome, LetGo(
        history=lambda why: f"outage notice {step} no longer explains this work order: {why}",
        to_read=lambda work_order, why: (f"Outage notice {notice.notice_id} ({notice.title}) revision "
                                         f"{notice.revision} no longer covers work order {work_order}: {why}. "),
        why=why))


def let_go(tx: WorkOrderTransaction, engine: WorkOrderEngine, notice: StoredNotice, now: datetime,
           outcome: NoticeOutcome, reason: LetGo) -> None:
    """Unlink the open and AUTO_ANSWERED work orders linked to ``notice`` that ``reason.why`` lets go (the module's
    list: history, counters given back, reply limit, owner's to-read)."""
    counted = LinkCounts()
    for found in tx.db.execute(LINKED_OPEN, {"nid": notice.notice_id}).mappings().all():
        row: dict[str, Any] = dict(found)
        why = reason.why(row)
        if why is None:
            continue
        incident = row["ticket_type"] == "INCIDENT"
        if incident and reason.incidents_follow_children and _children_linked(tx, row["id"], notice.notice_id):
            continue
        answered = row["state"] == WorkOrderState.AUTO_ANSWERED.value
        if not incident:  # what its link added, read before the unlinking's entry
            counted += counted_at_link(tx.db, row["id"], notice.notice_id)
        note = f"{reason.history(why)}; {_then(row, answered)}"
        tx.update(row["id"], {"outage_id": None, "updated_at": now}, history=[HistoryEntry(
            at=now, kind="field", actor="hub", system="HUB", action=UNLINKED, field="outage_id",
            old_value=notice.notice_id, new_value=None, note=note[:500])])
        row["outage_id"] = None
        outcome.unlinked.append(row["id"])
        told_now = reason.to_read(row["id"], why)
        if answered:
            due = back_on_reply_limit(tx, engine, row["id"], now)
            again = f", due {operator_instant(due, engine.settings.local_zone)}" if due else ""
            told_now += ("The customer was told the outage wording; handle it now: tell the customer and reply "
                         f"(its reply limit runs again{again}).")
        else:
            told_now += "It is no longer linked: handle it as any complaint."
        outcome.follow_ups.append(told(row, notice, told_now))
    take_back_counts(tx.db, notice.notice_id, linked=counted.linked, auto_answered=counted.auto_answered,
                     dispatched=counted.dispatched)
    if outcome.unlinked:
        log.info("work orders unlinked from an outage notice",
                 extra={"notice_id": notice.notice_id, "revision": notice.revision, "status": notice.status,
                        "work_orders": len(outcome.unlinked), "auto_answered": counted.auto_answered})
