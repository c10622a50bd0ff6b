"""The reply limit of an AUTO_ANSWERED work order whose link a revision takes back, and gives again.

Answered from a notice, a complaint is off the SLA clock while the notice is linked to it: its clearance replies it
(``rule``: no deadline rows, no ``reply_due``). A revision that no longer explains it unlinks it, and the lifecycle
has no way back (AUTO_ANSWERED allows Reply and Callback only): its owner must reply. So it is back on its reply
limit, placed as every limit is (docs/deadlines.md: from its creation, on its owners' calendars, its tier's row),
with its warning and alarm: ignored, it is breached and escalated like any complaint; a limit that ran out while it
was linked is breached at the scheduler's next pass. A later revision explaining it again links it again
(``relinking``) and takes the limit back off (``off_reply_limit``), as at intake.
"""

from __future__ import annotations

from datetime import datetime

from hub.workflow.deadlines import compute_deadlines
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.queries import load_work_order

__all__ = ["back_on_reply_limit", "off_reply_limit"]


def back_on_reply_limit(tx: WorkOrderTransaction, engine: WorkOrderEngine, work_order_id: str,
                        now: datetime) -> datetime | None:
    """Give the unlinked AUTO_ANSWERED work order its reply limit (``reply_due``) and its deadline rows again;
    returns the limit (None: paused, which an AUTO_ANSWERED work order never is)."""
    view = load_work_order(tx.db, work_order_id, for_update=True)
    if view is None:
        raise LookupError(f"no work order {work_order_id}")
    row = dict(view.row)
    deadlines = compute_deadlines(engine.timing_facts(row, view.history), engine.sla, engine.calendars)
    row["reply_due"] = deadlines.reply.due.at
    tx.update(work_order_id, {"reply_due": row["reply_due"]})
    engine.reschedule(tx, row, view, now)
    return row["reply_due"]  # type: ignore[no-any-return]


def off_reply_limit(tx: WorkOrderTransaction, work_order_id: str) -> None:
    """Take the reply limit back off a work order linked again to the notice that answered it."""
    tx.update(work_order_id, {"reply_due": None})
    tx.replace_deadlines(work_order_id, [])
