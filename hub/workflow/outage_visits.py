"""A return visit of a complaint answered at intake from an outage notice waits for the notice's clearance
(docs/outages.md, "Off the SLA clock"). The customer of an AUTO_ANSWERED complaint was told the notice's wording (a
fault being repaired), not that it is fixed; the clearance replies it the recovery (REPLIED) and the return visit
is due from that reply, as for any reply. A ``Callback`` recorded while the notice is still active would take the
complaint out of the outage's handling: RETURN_VISITED, neither the clearance's recovery reply nor a withdrawal's
unlinking (and its owner's to-read) would reach it, and the customer would keep a false explanation. So it is
refused (``outage-not-cleared``), nothing written. An AUTO_ANSWERED complaint no longer linked (a revision or a
withdrawal let it go: a person handles it) is visited straight from AUTO_ANSWERED as before.

The engine asks before an action writes anything (``refuse_visit_during_outage``); the notice's status is read in
the action's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, select

from hub.bulletin.notice import ACTIVE
from hub.workflow.commands import WorkOrderRefused
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.store.schema import outage_notices

__all__ = ["OUTAGE_NOT_CLEARED", "refuse_visit_during_outage"]

OUTAGE_NOT_CLEARED = "outage-not-cleared"  # the c:Error code
_STATUS = select(outage_notices.c.status).where(outage_notices.c.notice_id == bindparam("nid"))


def refuse_visit_during_outage(db: Connection, row: Mapping[str, Any], action: LifecycleAction) -> None:
    """Raise ``WorkOrderRefused`` for a return visit (``action``) of the work order ``row`` while it is AUTO_ANSWERED
    and linked to an ACTIVE outage notice; nothing for any other action or work order."""
    notice_id = row.get("outage_id")
    if action is not LifecycleAction.RETURN_VISIT or row["state"] != WorkOrderState.AUTO_ANSWERED.value \
            or not notice_id:
        return
    if db.execute(_STATUS, {"nid": notice_id}).scalar_one_or_none() != ACTIVE:
        return
    raise WorkOrderRefused(
        f"Callback is not allowed on work order {row['id']} in state {WorkOrderState.AUTO_ANSWERED.value} while its "
        f"outage notice {notice_id} is active: the customer was told the notice's wording, not a fix; the return "
        "visit comes after the outage's clearance replies it (REPLIED)", code=OUTAGE_NOT_CLEARED)
