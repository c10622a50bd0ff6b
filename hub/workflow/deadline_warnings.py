"""What a deadline's warning row does when the scheduler fires it (docs/deadlines.md, "who a warning goes to"): a
``WARNING`` history entry and a reminder of the limit itself (``deadline_wording.warning_words``).

* the first response's and the reply's: an OA to-read to the work order's owner, who owes the answer;
* the return visit's: the customer has the reply and the owner the reply left (a network desk) owes nothing more,
  so it goes to who makes the visit: the 7x24 hotline, the intake department (``[workflow] intake_department``),
  whose ``Callback`` records the visit whoever made it, an OA to-read; and for a VIP's or group customer's complaint
  the account manager kept on it, who visits personally, a CRM notice (``effects.escalation_notices``);
* none when the limit has passed by the time the row fires (the hub was down over both): the breach tells, and a
  reminder of a limit gone by would read as one still ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.changes import FollowUp
from hub.workflow.deadline_wording import warning_words
from hub.workflow.deadlines import DeadlineKind
from hub.workflow.effects import escalation_notices
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.store import HistoryEntry, WorkOrderTransaction

__all__ = ["fire_warning"]


def fire_warning(engine: WorkOrderEngine, tx: WorkOrderTransaction, row: Mapping[str, Any],
                 history: Sequence[Mapping[str, Any]], limit: DeadlineKind, step: int,
                 now: datetime) -> list[FollowUp] | None:
    """The reminders ``limit``'s warning owes (``step``: its deadline row's id, in the to-read's item id), its
    history entry written; None when the limit has passed: nothing is written or sent."""
    words = warning_words(engine, row, history, limit)
    if words.due is not None and words.due <= now:
        return None
    tx.append_history(str(row["id"]), [HistoryEntry(at=now, kind="field", actor="hub", system="HUB",
                                                    action="WARNING", field="deadline", new_value=words.entry)])
    work_order = dict(row)
    reminder = {"step": step, "due": words.due, "reason": words.reason}
    if limit is not DeadlineKind.RETURN_VISIT:
        return [FollowUp("oa-toread", work_order, {"manager": row["owner"], **reminder})]
    return [FollowUp("oa-toread", work_order, {"manager": engine.settings.intake_department, **reminder}),
            *escalation_notices(work_order, words.reason)]
