"""A clearance's moves: a linked work order another active notice still explains is not told "recovered" but moved
to that notice, which replies it when it clears (docs/outages.md, "Clearance"). A withdrawal moves the same way
(``withdrawal``): the notice it left is then withdrawn, not cleared.

A complaint moves to the active notice that explains it best (the intake's choice, ``best_notice``). An incident
moves to the one that explains it, else — as the linking rule links it for "the incident or any of its children" —
to the active notice its open children are linked to (most of them, then the lower notice id): the clearance moved
its complaints first, so an incident whose children went to another notice follows them. Replied now, its
resolution would reply those children the recovery of an outage that is not over (``incidents.resolution``).

The move is an ``OUTAGE_LINK`` field entry whose ``old_value`` is the notice it left (cleared or withdrawn); the notice
moved to counts a complaint as linked only: its answer at intake and its dispatch were counted on the notice it came
from, which keeps them (``link_counts``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.outages.link_counts import LINK
from hub.workflow.outages.matching import ComplaintFacts, best_notice
from hub.workflow.outages.notice_counts import add_counts
from hub.workflow.outages.notices import StoredNotice
from hub.workflow.outages.services import OutageServices
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.schema import work_orders

__all__ = ["OPEN_OR_ANSWERED", "moved", "moved_entry"]

S = WorkOrderState
# what a notice may still reply: taken and not answered, or answered at intake from a notice
OPEN_OR_ANSWERED = (S.ACCEPTED, S.DISPATCHED, S.DISPATCH_REJECTED, S.IN_PROGRESS, S.PENDING, S.SUSPENDED,
                    S.ESCALATED, S.AUTO_ANSWERED)
_wo = work_orders.c
_CHILDREN_ELSEWHERE = (  # the active notices an incident's open children are linked to, most children first
    select(_wo.outage_id, func.count().label("children"))
    .where(_wo.incident_id == bindparam("incident"), _wo.outage_id.in_(bindparam("others", expanding=True)),
           _wo.state.in_([s.value for s in OPEN_OR_ANSWERED]))
    .group_by(_wo.outage_id)
    .order_by(func.count().desc(), _wo.outage_id)
)


def moved_entry(notice: StoredNotice, left: StoredNotice, now: datetime, *, why: str,
                ended: str = "cleared") -> HistoryEntry:
    """The ``OUTAGE_LINK`` entry of a work order moved from ``left`` (``ended``: how it ended) to ``notice``."""
    return HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action=LINK, field="outage_id",
                        old_value=left.notice_id, new_value=notice.notice_id,
                        note=f"moved from outage {left.notice_id}, {ended}, {why}: {notice.kind} notice "
                             f"{notice.title}"[:500])


def _followed(tx: WorkOrderTransaction, incident_id: str, others: list[StoredNotice]) -> StoredNotice | None:
    """The active notice most of the incident's open children are linked to (None: none is)."""
    by_id = {other.notice_id: other for other in others}
    found = tx.db.execute(_CHILDREN_ELSEWHERE, {"incident": incident_id, "others": sorted(by_id)}).first()
    return None if found is None else by_id[str(found[0])]


def moved(tx: WorkOrderTransaction, services: OutageServices, cleared: StoredNotice, others: list[StoredNotice],
          row: dict[str, Any], now: datetime, *, ended: str = "cleared") -> StoredNotice | None:
    """Move ``row``, linked to ``cleared``, to the active notice of ``others`` that explains it best or, an
    incident, to the one its open children are linked to, if any (its outage is not over): a history entry, no
    reply; that notice counts a complaint as linked. Returns the notice moved to (None: not moved); ``ended`` says
    how the notice it leaves ended, for the history."""
    other = best_notice(others, services, ComplaintFacts.of_row(row))
    why = "to the notice still explaining it"
    if other is None and row["ticket_type"] == "INCIDENT":
        other, why = _followed(tx, str(row["id"]), others), "with its complaints still linked to"
    if other is None:
        return None
    tx.update(row["id"], {"outage_id": other.notice_id, "updated_at": now},
              history=[moved_entry(other, cleared, now, why=why, ended=ended)])
    if row["ticket_type"] == "COMPLAINT":
        add_counts(tx.db, other.notice_id, linked=1)
    return other
