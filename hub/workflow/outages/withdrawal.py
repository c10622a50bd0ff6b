"""A notice NSP withdraws as issued in error (status WITHDRAWN: there was no outage).

Cleared, the notice would reply its recovery wording to every complaint it linked, telling customers an outage that
never happened is over. Withdrawn instead, it lets every linked work order still open or AUTO_ANSWERED go exactly as
a revision lets go one it no longer explains (``revision.let_go``): an ``OUTAGE_UNLINKED`` history entry saying NSP
withdrew the notice as not an outage, the notice's counters given back what each link counted, an AUTO_ANSWERED one
(told the notice's wording) back on its reply limit with an OA to-read to its owner to tell the customer and reply,
an open one handled as any complaint, its owner told. Incidents are let go with their children (none of them stays
linked to a notice that never was an outage: its clearance will never come to reply them).

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
from hub.workflow.outages.arrival import NoticeOutcome
from hub.workflow.outages.notices import ACTIVE, CLEARED, StoredNotice
from hub.workflow.outages.revision import LetGo, let_go
from hub.workflow.store import WorkOrderTransaction

__all__ = ["withdraw"]

log = logging.getLogger("onepoint.workflow.outages")


def withdraw(tx: WorkOrderTransaction, engine: WorkOrderEngine, notice: StoredNotice, previous_status: str | None,
             now: datetime, outcome: NoticeOutcome, *, reason: str | None = None) -> None:
    """Apply the withdrawal of ``notice`` (kept WITHDRAWN, its status before ``previous_status``): an active one lets
    go every work order linked to it (the module's list); ``reason`` is NSP's WithdrawalReason, if it gave one."""
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

    def all_of_them(row: dict[str, Any]) -> str:
        return why

    let_go(tx, engine, notice, now, outcome, LetGo(
        history=lambda said: f"outage notice {notice.notice_id} withdrawn as not an outage: {said}",
        to_read=lambda work_order, said: (f"Outage notice {notice.notice_id} ({notice.title}) was withdrawn: "
                                          f"{said}. Work order {work_order} is no longer linked to it. "),
        why=all_of_them, incidents_follow_children=False))
    log.info("outage notice withdrawn as not an outage",
             extra={"notice_id": notice.notice_id, "revision": notice.revision,
                    "unlinked": len(outcome.unlinked)})
