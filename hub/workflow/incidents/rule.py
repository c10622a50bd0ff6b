"""The mass-complaint intake rule: a complaint whose key (phenomenon category | intake point) has an open incident
becomes its child at once; otherwise it is counted in its key's window, and the complaint that brings the window to
the threshold opens the incident, whose children the window's complaints become (all counted; a repeat held for the
open complaint it repeats is not linked: answered with its original, ``held_repeats``, never a second child, which
the incident's resolution would answer twice). A linked complaint is taken over
(``IntakeOutcome.handled``): it is not dispatched on its own, the incident's fault report covers it. Only network
complaints count (their level-3 phenomenon's template dispatches to NSP, which the fault report goes to); a
phenomenon is its level-3 category, its level-4 refinements with it (whatever template a refinement names). The
window is measured on when the ingress accepted each complaint (``created_at``), not when the workflow handled it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub.workflow.commands import Complaint
from hub.workflow.engine import Created, FollowUp, WorkOrderEngine
from hub.workflow.incidents.children import complaints_of_window, link
from hub.workflow.incidents.opening import (
    IncidentFacts,
    create_incident,
    dispatch_incident,
    manager_todo,
)
from hub.workflow.incidents.window import PHENOMENON_LENGTH, ComplaintWindow, bucket_of, window_key
from hub.workflow.intake import IntakeOutcome
from hub.workflow.store import WorkOrderTransaction

__all__ = ["MassComplaintRule"]

log = logging.getLogger("onepoint.workflow.incidents")
NETWORK_SYSTEM = "NSP"  # the phenomena whose templates dispatch to it are the ones a mass complaint is counted for


def _latest_per_customer(complaints: list[dict[str, Any]]) -> dict[str, datetime]:
    """Each customer's latest complaint of the window (the one that stays in it longest)."""
    latest: dict[str, datetime] = {}
    for row in complaints:
        at = row["created_at"]
        if row["msisdn"] not in latest or at > latest[row["msisdn"]]:
            latest[row["msisdn"]] = at
    return latest


class _KeyTaken(Exception):
    """Another transaction opened the key's incident first: undo this one's."""


@dataclass
class MassComplaintRule:
    """``threshold`` complaints of one key within ``window`` open one incident (an ``IntakeRule``)."""

    engine: WorkOrderEngine
    threshold: int = 10
    window: ComplaintWindow = field(default_factory=lambda: ComplaintWindow(timedelta(minutes=30)))
    name: str = "mass-complaint"

    def at_intake(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                  now: datetime) -> IntakeOutcome | None:
        # the level-3 phenomenon decides, as it keys the window: a refinement (01.02.03.001, its own template
        # dispatching to BOSS, say) is counted with its phenomenon (01.02.03, dispatched to NSP)
        phenomenon = complaint.category_code[:PHENOMENON_LENGTH]
        if self.engine.taxonomy.phenomenon(phenomenon).target.system != NETWORK_SYSTEM:
            return None  # a mass complaint is a network fault reported to NSP; others are handled one by one
        key = window_key(complaint.category_code, complaint.intake)
        incident_id = self.window.open_incident(tx.db, key)
        if incident_id is None:
            counted = self._counted(tx, key, created, complaint, now)
            if not isinstance(counted, str):
                return counted
            incident_id = counted
        link(tx, str(created.row["id"]), incident_id, now, message_id=complaint.message_id)
        return IntakeOutcome(True, {"incident_id": incident_id}, [], {"IncidentId": incident_id})

    def _counted(self, tx: WorkOrderTransaction, key: str, created: Created, complaint: Complaint,
                 now: datetime) -> IntakeOutcome | str | None:
        """Count the complaint in its key's window: None (below the threshold, or too few customers), the outcome
        of the incident it opened, or the id of the incident another transaction opened, to link it to."""
        # measured on when the ingress accepted it (created_at), as its window's complaints are read: a backlog
        # handled an hour late is still the burst it was
        counted = self.window.count(tx.db, key, created.row["created_at"])
        if counted.count < self.threshold:
            return None
        # a transaction that opened it meanwhile has committed (one of the same minute queued behind it on the
        # bucket's row, READ COMMITTED): this read sees it, before the window's complaints (its children now)
        incident_id = self.window.open_incident(tx.db, key)
        if incident_id is not None:
            return incident_id
        # the count holds every complaint of the key; an incident is for as many customers whose complaints
        # nothing explains yet: not one customer calling again, nor complaints an outage notice linked since
        complaints = complaints_of_window(tx.db, complaint.category_code, complaint.intake, counted.since,
                                          counted.ends)
        customers = _latest_per_customer(complaints)
        if len(customers) < self.threshold:
            # the count says what they are worth: read again only once as many more complaints came
            self.window.recount(tx.db, key, counted, Counter(bucket_of(at) for at in customers.values()))
            return None
        opened = self._open(tx, key, complaint, complaints, now)
        if opened is not None:
            incident_id, follow_ups = opened
            return IntakeOutcome(True, {"incident_id": incident_id}, follow_ups, {"IncidentId": incident_id})
        # None: opened and already closed by others, this complaint stands alone
        return self.window.open_incident(tx.db, key)

    def _open(self, tx: WorkOrderTransaction, key: str, complaint: Complaint, complaints: list[dict[str, Any]],
              now: datetime) -> tuple[str, list[FollowUp]] | None:
        """Open the key's incident over the window's ``complaints`` (None: another transaction holds the key,
        nothing of this attempt remains)."""
        count = len(complaints)  # the repeats too: NSP's ComplaintCount; a held one is answered with its original
        # a held repeat (``held_repeats``) is answered with its original: not linked when that one is linked too (it
        # would be answered twice), linked when its original is not among them (older than the window): answered
        # with the incident then, as every customer counted
        linked = {child["id"] for child in complaints}
        children = [child for child in complaints if child["repeat_of"] is None or child["repeat_of"] not in linked]
        facts = IncidentFacts(complaint, count, self.window.length.total_seconds() / 60, complaints)
        try:
            with tx.savepoint():
                row, history = create_incident(tx, self.engine, facts, now)
                if not self.window.claim(tx.db, key, row["id"], now):
                    raise _KeyTaken(key)
                for child in children:
                    link(tx, str(child["id"]), row["id"], now, message_id=complaint.message_id)
                follow_ups = dispatch_incident(tx, self.engine, row, history, facts, now)
        except _KeyTaken:
            log.info("mass-complaint incident opened by another transaction", extra={"window_key": key})
            return None
        follow_ups.append(manager_todo(tx, self.engine, row, facts, now))
        log.warning("mass-complaint incident opened", extra={
            "work_order_id": row["id"], "window_key": key, "complaints": count, "children": len(children)})
        return row["id"], follow_ups
