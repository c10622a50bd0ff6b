"""A later revision that explains again an AUTO_ANSWERED complaint an earlier revision of the same notice unlinked
(NSP dropped a district, then restored it) links it again.

The late linking (``arrival.link_open``) takes open complaints only: an answered one keeps its own story. An
AUTO_ANSWERED complaint whose history shows ``OUTAGE_UNLINKED`` from this notice was answered with this notice's
wording; nobody has replied it since (it would be REPLIED). Left unlinked, the clearance would never tell its
customer of the recovery. Linked again, it is what it was before the revision that dropped it: linked and answered
at intake on the notice's counters, off the SLA clock again (``reply_clock.off_reply_limit``), its owner told. One
read per revision (the area index, then the unlinked ones' history by key); AUTO_ANSWERED complaints without a
notice are the few a revision unlinked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, select

from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.outages.matching import ComplaintFacts, explains
from hub.workflow.outages.notices import StoredNotice
from hub.workflow.outages.reply_clock import off_reply_limit
from hub.workflow.outages.services import OutageServices
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.schema import work_order_history, work_orders

__all__ = ["UNLINKED", "relink_answered"]

UNLINKED = "OUTAGE_UNLINKED"  # the history entry's action of a revision's unlinking (``revision``)
_wo = work_orders.c
_h = work_order_history.c
_UNLINKED_ANSWERED = (
    select(work_orders)
    .where(_wo.area_code.in_(bindparam("areas", expanding=True)), _wo.state == WorkOrderState.AUTO_ANSWERED.value,
           _wo.outage_id.is_(None), _wo.created_at >= bindparam("since"),
           exists().where(_h.work_order_id == _wo.id, _h.action == UNLINKED, _h.old_value == bindparam("nid")))
    .order_by(_wo.id)
)


def relink_answered(tx: WorkOrderTransaction, services: OutageServices, notice: StoredNotice, now: datetime,
                    entry: HistoryEntry) -> list[dict[str, Any]]:
    """Link to ``notice`` again the AUTO_ANSWERED complaints one of its revisions unlinked that it explains again
    (``entry``: their ``OUTAGE_LINK``), off the clock; returns their rows (linked) for the caller to count and
    tell."""
    areas = sorted({area.code for area in notice.areas})
    found = tx.db.execute(_UNLINKED_ANSWERED, {"areas": areas, "since": notice.start_at,
                                               "nid": notice.notice_id}).mappings().all()
    linked: list[dict[str, Any]] = []
    for each in found:
        row = dict(each)
        if not explains(notice, services, ComplaintFacts.of_row(row)):
            continue
        tx.update(row["id"], {"outage_id": notice.notice_id, "updated_at": now}, history=[entry])
        off_reply_limit(tx, str(row["id"]))
        linked.append({**row, "outage_id": notice.notice_id, "reply_due": None})
    return linked
