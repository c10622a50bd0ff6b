"""A notice NSP withdraws as issued in error (status WITHDRAWN: there was no outage).

Cleared, the notice would reply its recovery wording to every complaint it linked, telling customers an outage that
never happened is over. Withdrawn instead, its linked work orders still open or AUTO_ANSWERED (``LINKED_OPEN``:
complaints first, then incidents) are:

* moved, when another active notice explains them, exactly as a clearance moves them (``moving.moved``: to the
  notice explaining it best, an incident to the one its children moved to; an ``OUTAGE_LINK`` entry whose old value
  is the withdrawn notice; the notice moved to counts a complaint linked only, the withdrawn one keeps what it
  counted, as a cleared one does). That notice's clearance replies them; an AUTO_ANSWERED one stays off its reply
  limit. Unlike a clearance's move, its owner is told (an OA to-read): what the owner or the customer was told of
  the withdrawn notice was false, the to-read names the notice that covers the work order now;
* let go otherwise, exactly as a revision lets go one it no longer explains (``revision.let_go``): an
  ``OUTAGE_UNLINKED`` history entry saying NSP withdrew the notice as not an outage, the notice's counters given
  back what each link counted, an AUTO_ANSWERED one (told the notice's wording) back on its reply limit with an OA
  to-read to its owner to tell the customer and reply, an open one handled as any complaint, its owner told.
  Incidents not moved are let go whatever their children (none stays linked to a notice that never was an outage:
  its clearance will never come to reply them).

The notice is no longer active (intake links nothing to it), and every later version of it is ignored
(``notices.record_notice``: no clearance replies, no revision links or links again). A withdrawal of a notice
already cleared changes nothing: the clearance replied its complaints, which their owners handle if they must; it
is kept and logged. A notice first seen withdrawn is kept and touches nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from hub.workflow.engine import WorkOrderEngine
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.outages.arrival import LINKED_OPEN, NoticeOutcome, told
from hub.workflow.outages.moving import moved
from hub.workflow.outages.notices import ACTIVE, CLEARED, StoredNotice, active_notices
from hub.workflow.outages.revision import LetGo, let_go
from hub.workflow.outages.services import OutageServices
from hub.workflow.store import WorkOrderTransaction

__all__ = ["withdraw"]

log = logging.getLogger("onepoint.workflow.outages")


def withdraw(tx: WorkOrderTransaction, engine: WorkOrderEngine, services: OutageServices, notice: StoredNotice,
             previous_status: str | None, now: datetime, outcome: NoticeOutcome, *, reason: str | None = None) -> None:
    """Apply the withdrawal of ``notice`` (kept WITHDRAWN, its status before ``previous_status``): an active one moves
    every work order linked to it that another active notice explains and lets go the others (the module's list);
    ``reason`` is NSP's WithdrawalReason, if it gave one."""
    if previous_status == CLEARED:
        log.info("outage notice withdrawn after its clearance: nothing changes (the clearance replied already)",
                 extra={"notice_id": notice.notice_id, "revision": notice.revision})
        return
    if previous_status != ACTIVE:
        log.info("outage notice first seen withdrawn: kept, no work order touched",
                 extra={"notice_id": notice.notice_id, "revision": notice.revision})
        return
    why = f"NSP withdrew it in revision {notice.revision}: issued in error, there was no outage" + (
        f" ({reason})" if reason else "")
    _move_explained(tx, services, notice, now, outcome, why, reason)

    def all_of_them(row: dict[str, Any]) -> str:
        return why

    let_go(tx, engine, notice, now, outcome, LetGo(
        history=lambda said: f"outage notice {notice.notice_id} withdrawn as not an outage: {said}",
        to_read=lambda work_order, said: (f"Outage notice {notice.notice_id} ({notice.title}) was withdrawn: "
                                          f"{said}. Work order {work_order} is no longer linked to it. "),
        why=all_of_them, incidents_follow_children=False))
    log.info("outage notice withdrawn as not an outage",
             extra={"notice_id": notice.notice_id, "revision": notice.revision,
                    "moved": len(outcome.moved), "unlinked": len(outcome.unlinked)})


def _move_explained(tx: WorkOrderTransaction, services: OutageServices, notice: StoredNotice, now: datetime,
                    outcome: NoticeOutcome, why: str, reason: str | None) -> None:
    """Move to another active notice every linked work order one explains (complaints first: an incident follows
    its children), as a clearance does, and tell its owner which notice covers it now."""
    others = [other for other in active_notices(tx.db) if other.notice_id != notice.notice_id]
    if not others:
        return
    ended = "withdrawn as not an outage" + (f" ({reason})" if reason else "")
    for found in tx.db.execute(LINKED_OPEN, {"nid": notice.notice_id}).mappings().all():
        row = dict(found)
        other = moved(tx, services, notice, others, row, now, ended=ended)
        if other is None:
            continue
        outcome.moved.append(row["id"])
        said = (f"Outage notice {notice.notice_id} ({notice.title}) was withdrawn: {why}. Work order {row['id']} "
                f"is now linked to outage notice {other.notice_id} ({other.title}), which explains it: its "
                "clearance replies it. ")
        if row["state"] == WorkOrderState.AUTO_ANSWERED.value:
            said += (f"The customer was answered with the withdrawn notice's wording; no reply is due now (call the "
                     f"customer back if that wording misled them). Wording of {other.notice_id}: "
                     f"{other.customer_wording}")
        else:
            said += "It stays as it is, on its own clock."
        outcome.follow_ups.append(told(row, notice, said))
