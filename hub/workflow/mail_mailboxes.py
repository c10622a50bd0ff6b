"""Which mailbox each e-mailed dispatch went to, recorded in the work order's history when it is e-mailed.

``[mail.offline.<dept>] mailbox`` may change while a dispatch is out (a desk's address moves, a department is no
longer offline): the handler who holds the work order is still the one whose mailbox the dispatch mail went to.
So the DISPATCH that owes a ``mail:DispatchMail`` records a field entry ``mail_sent_to`` in its own transaction,
``<work order>-dsp<n>: <mailbox>`` (the dispatch's key, as a department to-do's or ``mail_withdrawn``'s, then the
address), and the withdrawal of that dispatch goes to the mailbox recorded there (``hub.workflow.mail_withdrawal``),
whatever the settings say now. A dispatch e-mailed before the hub recorded it has no entry: its withdrawal goes
to the department's mailbox in the settings, as before. No migration: a history entry, as ``mail_withdrawn`` is.
The entry keeps the address whole (``sent_to``); QueryWorkOrder and ``onepoint workorders show`` show it masked
(``hub.workflow.history_mailboxes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.changes import MAIL_DISPATCH, FollowUp
from hub.workflow.department_todos import department_todo_id
from hub.workflow.history_mailboxes import MAIL_SENT_TO_FIELD
from hub.workflow.store import HistoryEntry, WorkOrderTransaction

__all__ = ["MAIL_SENT_TO_FIELD", "record_mailboxes", "sent_to"]


def record_mailboxes(tx: WorkOrderTransaction, work_order_id: str, follow_ups: Sequence[FollowUp],
                     now: datetime) -> None:
    """Record the mailbox of every ``mail:DispatchMail`` of ``work_order_id`` among ``follow_ups`` (a move's own)."""
    entries = [HistoryEntry(
        at=now, kind="field", actor="hub", system="HUB", field=MAIL_SENT_TO_FIELD,
        new_value=f"{department_todo_id(work_order_id, int(f.details['dispatch']))}: {f.details['mailbox']}",
        note=f"dispatch {f.details['dispatch']} e-mailed to {f.details['department']}'s handler")
        for f in follow_ups if f.kind == MAIL_DISPATCH and str(f.work_order.get("id")) == work_order_id]
    if entries:
        tx.append_history(work_order_id, entries)


def sent_to(history: Sequence[Mapping[str, Any]], item_id: str) -> str | None:
    """The mailbox the dispatch ``item_id`` (``<work order>-dsp<n>``) was e-mailed to, as recorded (the last entry);
    None when it was not recorded (e-mailed before the hub recorded mailboxes)."""
    found = None
    for entry in history:
        if entry["kind"] == "field" and entry["field"] == MAIL_SENT_TO_FIELD:
            key, _, mailbox = str(entry["new_value"] or "").partition(": ")
            if key == item_id and mailbox:
                found = mailbox
    return found
