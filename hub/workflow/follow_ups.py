"""The commands a work-order change owes other systems, as documents: NSP's NetworkComplaintDispatch
(``hub.workflow.network_dispatch``) and NetworkComplaintWithdraw (a cancelled work order NSP holds unanswered:
``hub.workflow.network_withdrawal``), CRM's NotifyAccountManager (at creation, and when a VIP or group customer's
work order is replied: the return visit the account manager makes; both also when BOSS gives the tier late,
``hub.workflow.tier_recheck``), OA's PushTodo (an escalation, or a dispatch to a
department that is not reached through NSP) / PushToRead, CompleteTodo (a to-do the hub closes) and WithdrawToRead (a
to-read of a work order closed or cancelled: ``hub.workflow.withdrawn_to_reads``). Pure builders; the
handlers send them through the outbound path (validated against the systems' XSDs there, message ids derived from
the causing message and the step)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from lxml import etree

from hub.gateways.documents import add_child, shortened
from hub.workflow.cancellation_notices import CANCEL_NOTICE
from hub.workflow.changes import MAIL_DISPATCH, MAIL_WITHDRAW
from hub.workflow.clock import operator_instant
from hub.workflow.department_todos import department_todo_id
from hub.workflow.dispatch_effects import DEPARTMENT_TODO
from hub.workflow.dissatisfied_visits import DISSATISFIED_NOTICE
from hub.workflow.effects import CREATION_NOTICE, ESCALATION_NOTICE, RETURN_VISIT_NOTICE
from hub.workflow.engine import FollowUp
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.mail_dispatch import mail_dispatch
from hub.workflow.mail_withdrawal import mail_withdrawal
from hub.workflow.network_dispatch import checks_carried, dispatch_field_items, nsp_dispatch
from hub.workflow.network_withdrawal import WITHDRAW_FOLLOW_UP, nsp_withdraw
from hub.workflow.reminders import REMINDER_NOTICE
from hub.workflow.taxonomy import Taxonomy
from hub.workflow.todos import CLOSE_TODO
from hub.workflow.withdrawn_to_reads import WITHDRAW_TO_READ, to_read_withdrawal

__all__ = ["CREATION_NOTICE", "DEPARTMENT_TODO", "ESCALATION_NOTICE", "RETURN_VISIT_NOTICE", "department_todo",
           "department_todo_id", "escalation_notice", "follow_up_document", "return_visit_notice"]

C = "urn:onepoint:common:1"
NAMESPACES = {"crm": "urn:onepoint:crm:1", "oa": "urn:onepoint:oa:1"}
SUMMARY_LENGTH = 1000  # oa:Summary


def _root(prefix: str, name: str, now: datetime) -> etree._Element:
    return follow_up_root(prefix, NAMESPACES[prefix], name, now)




def _due(row: Mapping[str, Any], now: datetime) -> datetime:
    due = row.get("reply_due")
    return due if isinstance(due, datetime) else now + timedelta(hours=4)


def _todo_due(follow_up: FollowUp, now: datetime) -> datetime:
    """An escalation to-do's Due: the engine's (``WorkOrderEngine.todo_due``: when the next level would be told);
    without one, the reply limit while it is ahead, else four hours on (never a time already past)."""
    due = follow_up.details.get("due")
    if isinstance(due, datetime):
        return due
    reply = _due(follow_up.work_order, now)
    return reply if reply > now else now + timedelta(hours=4)


def _manager_notice(follow_up: FollowUp, now: datetime, summary: str) -> etree._Element:
    """A ``crm:NotifyAccountManager`` for the work order's account manager, up to its Summary."""
    row = follow_up.work_order
    root = _root("crm", "NotifyAccountManager", now)
    add_child(root, "AccountManagerId", follow_up.details["account_manager"])
    add_child(root, "Msisdn", row["msisdn"])
    add_child(root, "CustomerTier", row["tier"])
    add_child(root, "WorkOrderId", row["id"])
    add_child(root, "CategoryCode", row["category_code"])
    add_child(root, "Summary", shortened(summary, 500))
    return root


def crm_notice(follow_up: FollowUp, now: datetime, zone: tzinfo) -> etree._Element:
    """The account manager told of a VIP or group customer's complaint, due by its reply limit. A work order replied
    before BOSS gave its tier (``hub.workflow.tier_recheck``) owes no reply any more: the summary says when it was
    replied, and no DueAt (its return visit, when still to make, is the return-visit notice's)."""
    row = follow_up.work_order
    replied = row.get("replied_at")
    said = f"{row['phenomenon']}: {row['description']}"
    if isinstance(replied, datetime):
        said = f"Replied at {operator_instant(replied, zone)} while BOSS gave no tier: {said}"
    root = _manager_notice(follow_up, now, said)
    add_child(root, "Channel", "SMS")
    add_child(root, "Channel", "WORK_ORDER")
    add_child(root, "Priority", row["priority"])
    if row.get("reply_due") is not None and not isinstance(replied, datetime):
        add_child(root, "DueAt", row["reply_due"])
    return root


def escalation_notice(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The account manager told that a VIP or group customer's open complaint was escalated (``details["reason"]``:
    the level and role, or the department it was handed up to, and why), chased by the customer (a Remind's
    ``crm-reminded``: ``hub.workflow.reminders``) or that the customer was dissatisfied at the return visit
    (``crm-dissatisfied``: ``hub.workflow.dissatisfied_visits``), due by its reply limit while one is owed (never
    after the return visit: an AUTO_ANSWERED complaint visited has no reply to come, whatever its stale limit)."""
    row = follow_up.work_order
    root = _manager_notice(follow_up, now, f"{follow_up.details['reason']}: {row['phenomenon']}: {row['description']}")
    add_child(root, "Channel", "SMS")
    add_child(root, "Channel", "WORK_ORDER")
    add_child(root, "Priority", row["priority"])
    reply_owed = not isinstance(row.get("replied_at"), datetime) and not isinstance(row.get("return_visited_at"),
                                                                                      datetime)
    if isinstance(row.get("reply_due"), datetime) and reply_owed:
        add_child(root, "DueAt", row["reply_due"])
    return root


def cancellation_notice(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The account manager told that a VIP or group customer's complaint was cancelled (``details["reason"]``: the
    Cancel's), with no DueAt: nothing is owed any more (``hub.workflow.cancellation_notices``)."""
    row = follow_up.work_order
    said = f"Cancelled: {follow_up.details['reason']}: {row['phenomenon']}: {row['description']}"
    root = _manager_notice(follow_up, now, said)
    add_child(root, "Channel", "SMS")
    add_child(root, "Channel", "WORK_ORDER")
    add_child(root, "Priority", row["priority"])
    return root


def oa_item(follow_up: FollowUp, now: datetime, link_base: str) -> etree._Element:
    """An escalation to-do (``oa-todo``) or a to-read (``oa-toread``: a reminder, a warning, a dissatisfied return
    visit's notice) for the responsible person; ``details["title"]``, when given, its Title."""
    row = follow_up.work_order
    todo = follow_up.kind == "oa-todo"
    root = _root("oa", "PushTodo" if todo else "PushToRead", now)
    level = row.get("escalation_level") or 0
    add_child(root, "ItemId", f"{row['id']}-{'esc' if todo else 'rem'}{level}-{follow_up.details.get('step', 0)}")
    add_child(root, "UserId", follow_up.details["manager"])
    title = follow_up.details.get("title") or f"{'Escalated' if todo else 'Reminder'}: {row['id']} {row['phenomenon']}"
    add_child(root, "Title", shortened(str(title), 200))
    add_child(root, "Link", link_base.format(work_order_id=row["id"]))
    if todo:
        add_child(root, "Due", _todo_due(follow_up, now))
    elif "due" in follow_up.details:  # a warning: the limit warned of; none while that limit is paused (optional)
        if isinstance(follow_up.details["due"], datetime):
            add_child(root, "Due", follow_up.details["due"])
    elif row.get("reply_due") is not None:
        add_child(root, "Due", _due(row, now))
    add_child(root, "Priority", row["priority"])
    add_child(root, "WorkOrderId", row["id"])
    add_child(root, "Summary", shortened(str(follow_up.details.get("reason") or row["description"]), 1000))
    return root


def department_todo(follow_up: FollowUp, now: datetime, link_base: str) -> etree._Element:
    """A dispatch to a department whose template target is reached through OA, DSMP, BOSS or CRM (none of their
    command sets takes a dispatch): a to-do for the department's OA user id, with the dispatch's fields. The
    department answers with WorkOrderAction (Start, Reply, RejectDispatch ...), not by completing the to-do; the hub
    closes it when the work order no longer wants it (``hub.workflow.department_todos``). Its Summary gives the
    fields, the pre-processing checks the agent made (``Checks done``), the instructions and the description."""
    row, details = follow_up.work_order, follow_up.details
    root = _root("oa", "PushTodo", now)
    add_child(root, "ItemId", department_todo_id(str(row["id"]), int(details["dispatch"])))
    add_child(root, "UserId", details["department"])
    title = f"Dispatched to you: {row['id']} {row['phenomenon'] or row['category_code']}"
    add_child(root, "Title", shortened(title, 200))
    add_child(root, "Link", link_base.format(work_order_id=row["id"]))
    reply = _due(row, now)
    add_child(root, "Due", reply if reply > now else now + timedelta(hours=4))
    add_child(root, "Priority", row["priority"])
    add_child(root, "WorkOrderId", row["id"])
    fields = "; ".join(f"{name}: {value}" for name, value in
                       dispatch_field_items(details["fields"], details.get("template_fields") or (),
                                            added=details.get("added_fields") or ()))
    add_child(root, "Summary", _todo_summary(f"{row['category_code']} via {details.get('system') or 'OA'}", [
        ("Fields", fields), ("Checks done", "; ".join(checks_carried(details))),
        ("Instructions", str(details.get("instructions") or "")),
        ("Description", str(row["description"] or ""))]))
    return root


def _todo_summary(head: str, parts: list[tuple[str, str]], limit: int = SUMMARY_LENGTH) -> str:
    """``head``, then each part given (``label: text``) on a line of its own, in order, each cut to the room the
    ones before it left (oa:Summary takes ``limit`` characters): the dispatch's fields come before the instructions
    and the description (c:LongText, up to 4000), so a long description never pushes them out."""
    summary = head
    for label, text in parts:
        room = limit - len(summary) - 1  # the line break
        if text.strip() and room > len(label) + 2:
            summary = f"{summary}\n{shortened(f'{label}: {text}', room)}"
    return summary


def return_visit_notice(follow_up: FollowUp, now: datetime, zone: tzinfo) -> etree._Element:
    """A VIP or group customer's work order was replied: its account manager makes the personal return visit by
    the return-visit deadline (DueAt)."""
    row = follow_up.work_order
    due = row.get("return_visit_due")
    # a tier BOSS gave late, after that limit: the visit is still owed
    by = "" if not isinstance(due, datetime) else f" by {operator_instant(due, zone)}" if due > now else \
        f" by {operator_instant(due, zone)}, overdue"
    root = _manager_notice(follow_up, now, f"Replied, return visit due{by}: {row['phenomenon']}: {row['description']}")
    add_child(root, "Channel", "WORK_ORDER")
    add_child(root, "Channel", "SMS")
    add_child(root, "Priority", row["priority"])
    if isinstance(due, datetime):
        add_child(root, "DueAt", due)
    return root


def oa_close(follow_up: FollowUp, now: datetime) -> etree._Element:
    """A to-do the work order no longer needs, an escalation's (``hub.workflow.todos``) or a dispatched
    department's (``hub.workflow.department_todos``): closed in OA by the hub."""
    root = _root("oa", "CompleteTodo", now)
    add_child(root, "ItemId", follow_up.details["item_id"])
    add_child(root, "UserId", follow_up.details["manager"])
    add_child(root, "CompletedAt", now)
    add_child(root, "Outcome", shortened(str(follow_up.details.get("reason") or "closed by the hub"), 200))
    return root


def follow_up_document(follow_up: FollowUp, now: datetime, *, operator: str, link_base: str,
                       taxonomy: Taxonomy, zone: tzinfo) -> etree._Element:
    """The follow-up's document; ``taxonomy``: the engine's, whose templates give NSP's function affected;
    ``zone``: the operator's (``[workflow] statistics_timezone``), in which a summary a person reads gives times."""
    if follow_up.kind == "nsp-dispatch":
        return nsp_dispatch(follow_up, now, operator, taxonomy=taxonomy)
    if follow_up.kind == WITHDRAW_FOLLOW_UP:
        return nsp_withdraw(follow_up, now)
    if follow_up.kind == CREATION_NOTICE:
        return crm_notice(follow_up, now, zone)
    if follow_up.kind == RETURN_VISIT_NOTICE:
        return return_visit_notice(follow_up, now, zone)
    if follow_up.kind in (ESCALATION_NOTICE, REMINDER_NOTICE, DISSATISFIED_NOTICE):
        return escalation_notice(follow_up, now)
    if follow_up.kind == CANCEL_NOTICE:
        return cancellation_notice(follow_up, now)
    if follow_up.kind == DEPARTMENT_TODO:
        return department_todo(follow_up, now, link_base)
    if follow_up.kind == MAIL_DISPATCH:
        return mail_dispatch(follow_up, now)
    if follow_up.kind == MAIL_WITHDRAW:
        return mail_withdrawal(follow_up, now)
    if follow_up.kind in ("oa-todo", "oa-toread"):
        return oa_item(follow_up, now, link_base)
    if follow_up.kind == CLOSE_TODO:
        return oa_close(follow_up, now)
    if follow_up.kind == WITHDRAW_TO_READ:
        return to_read_withdrawal(follow_up, now)
    raise ValueError(f"no document for the follow-up {follow_up.kind!r}")
