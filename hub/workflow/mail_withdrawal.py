"""The end of a dispatch e-mailed to an offline department: ``mail:WithdrawMail``, the mail that tells its handler the
work order no longer needs an answer (docs/offline-mail.md).

An offline department's handler holds the work order by e-mail, and nothing else tells them it is over. So when the
move that would close a department's OA to-do (``hub.workflow.department_todos``' rule, ``ended_dispatch``: the work
order cancelled or closed, the dispatch marked invalid, escalated to another department, replied by someone else,
never the handler's own e-mailed answer) ends a dispatch that went by mail, the hub owes the handler a short e-mail,
``[WO#<id>] no longer needed: <reason>``, sent by the mail adapter like the dispatch (retries, then the dead-letter
queue), to the mailbox the dispatch went to (``hub.workflow.mail_mailboxes``: recorded when it was e-mailed, whatever
``[mail.offline]`` says now). A ``mail_withdrawn`` history entry (the dispatch's ``<work order>-dsp<n>``) records it,
so a later move sends no second one; the follow-up's message id derives from the causing message
(``hub.workflow.follow_up_steps``), so a redelivered message sends nothing twice. No token: no answer is expected,
and one is refused as for a stale dispatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from lxml import etree

from hub.gateways.documents import add_child, shortened
from hub.validation.namespaces import MAIL_NS
from hub.workflow.changes import MAIL_SYSTEM, MAIL_WITHDRAW, MAIL_WITHDRAWN_FIELD, ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.department_todos import ended_dispatch
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.mail_mailboxes import record_mailboxes, sent_to
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.queries import load_work_order

__all__ = ["MailWithdrawals", "mail_withdrawal"]


class MailWithdrawals(ActionObserver):
    """A ``WorkOrderObserver``: a DISPATCH that e-mails the work order records the mailbox it goes to; a move that
    ends a dispatch e-mailed to an offline department owes its handler a ``mail:WithdrawMail``, to the mailbox
    recorded (a dispatch e-mailed before mailboxes were recorded: the department's mailbox now, none when it is no
    longer marked offline)."""

    def __init__(self, offline_mailboxes: Mapping[str, str]) -> None:
        self.offline_mailboxes = dict(offline_mailboxes)

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        if row.get("dispatch_system") != MAIL_SYSTEM or request.system == MAIL_SYSTEM:
            return []  # not e-mailed, or the handler's own e-mailed answer (they know it is done)
        if request.action is LifecycleAction.DISPATCH:
            record_mailboxes(tx, str(row["id"]), changed.follow_ups, now)
            return []
        ended = ended_dispatch(tx, changed, request)
        if ended is None:
            return []
        view = load_work_order(tx.db, str(row["id"]))
        recorded = None if view is None else sent_to(view.history, ended.item_id)
        mailbox = recorded or self.offline_mailboxes.get(ended.department)
        if mailbox is None:
            return []
        reason = f"work order {row['id']} {ended.why}"
        tx.append_history(str(row["id"]), [HistoryEntry(
            at=now, kind="field", actor="hub", system="HUB", field=MAIL_WITHDRAWN_FIELD, new_value=ended.item_id,
            note=f"{reason}; {ended.department}'s handler told by e-mail")])
        return [FollowUp(MAIL_WITHDRAW, dict(row), {"department": ended.department, "mailbox": mailbox,
                                                    "dispatch": ended.number, "reason": reason})]


def mail_withdrawal(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The ``mail:WithdrawMail`` of an ended e-mailed dispatch (``follow_up.details``: ``department``,
    ``mailbox``, ``dispatch``, ``reason``)."""
    details = follow_up.details
    root = follow_up_root("mail", MAIL_NS, "WithdrawMail", now)
    add_child(root, "WorkOrderId", follow_up.work_order["id"])
    add_child(root, "Dispatch", int(details["dispatch"]))
    add_child(root, "Department", details["department"])
    add_child(root, "Mailbox", details["mailbox"])
    add_child(root, "Reason", shortened(str(details["reason"]), 200))
    return root
