"""The commands a work-order change owes other systems, as documents: NSP's NetworkComplaintDispatch, CRM's
NotifyAccountManager, OA's PushTodo / PushToRead and CompleteTodo (a to-do the hub closes). Pure builders; the
handlers send them through the outbound path (validated against the systems' XSDs there, message ids derived from
the causing message and the step)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from hub.envelope import HUB_SYSTEM
from hub.gateways.documents import timestamp
from hub.workflow.engine import FollowUp
from hub.workflow.todos import CLOSE_TODO

__all__ = ["follow_up_document"]

C = "urn:onepoint:common:1"
NAMESPACES = {"nsp": "urn:onepoint:nsp:1", "crm": "urn:onepoint:crm:1", "oa": "urn:onepoint:oa:1"}

# The NSP function a phenomenon's template affects (nsp:FunctionAffected); the rest: call quality.
FUNCTION_OF_TEMPLATE = {
    "voice_originate": "ORIGINATE_CALL", "voice_terminate": "RECEIVE_CALL", "network_busy": "ORIGINATE_CALL",
    "voice_quality": "CALL_QUALITY", "coverage": "CALL_QUALITY", "roaming": "ROAMING",
}


def _root(prefix: str, name: str, now: datetime) -> etree._Element:
    namespace = NAMESPACES[prefix]
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={prefix: namespace, "c": C})
    header = etree.SubElement(root, f"{{{namespace}}}Header")
    etree.SubElement(header, f"{{{C}}}MessageId").text = "workflow-follow-up"  # replaced by the derived id
    etree.SubElement(header, f"{{{C}}}SourceSystem").text = HUB_SYSTEM
    etree.SubElement(header, f"{{{C}}}SentAt").text = timestamp(now)
    return root


def _add(parent: etree._Element, name: str, value: object) -> etree._Element:
    namespace = etree.QName(parent).namespace
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if isinstance(value, datetime):
        element.text = timestamp(value)
    elif value is not None:
        element.text = str(value)
    return element


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _function(fields: Mapping[str, str], category_code: str) -> str:
    template = fields.get("_template", "")
    if template in FUNCTION_OF_TEMPLATE:
        return FUNCTION_OF_TEMPLATE[template]
    domain = category_code[:2]
    return {"02": "DATA", "03": "SEND_SMS"}.get(domain, "CALL_QUALITY")


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


def nsp_dispatch(follow_up: FollowUp, now: datetime, operator: str) -> etree._Element:
    row, fields = follow_up.work_order, follow_up.details["fields"]
    root = _root("nsp", "NetworkComplaintDispatch", now)
    _add(root, "WorkOrderId", row["id"])
    _add(root, "Msisdn", row["msisdn"])
    _add(root, "CategoryCode", row["category_code"])
    _add(root, "Phenomenon", row["phenomenon"] or row["category_code"])
    instructions = follow_up.details.get("instructions")
    _add(root, "Description", _short(f"{row['description']}\n\n{instructions}" if instructions
                                     else str(row["description"]), 2000))
    _add(root, "FaultPlace", _short(fields.get("fault_place") or row.get("location") or "unknown", 200))
    area = _add(root, "Area", None)
    etree.SubElement(area, f"{{{C}}}AreaCode").text = row["area_code"]
    if row.get("district"):
        etree.SubElement(area, f"{{{C}}}District").text = row["district"]
    _add(root, "OccurredAt", row["occurred_at"])
    _add(root, "TerminalType", _short(fields.get("terminal_type") or "unknown", 64))
    _add(root, "AnnouncementHeard", _short(fields.get("announcement_heard") or "none", 200))
    _add(root, "FunctionAffected", _function(fields, row["category_code"]))
    _add(root, "ContactNumber", fields.get("contact_number") or row["contact_number"] or row["msisdn"])
    if follow_up.details.get("mass_complaint"):  # an incident's fault report (hub.workflow.incidents)
        _add(root, "MassComplaint", "true")
        _add(root, "ComplaintCount", follow_up.details["complaint_count"])
    _add(root, "DueAt", _due(row, now))
    _add(root, "Priority", row["priority"])
    _add(root, "DispatchedBy", operator)
    return root


def crm_notice(follow_up: FollowUp, now: datetime) -> etree._Element:
    row = follow_up.work_order
    root = _root("crm", "NotifyAccountManager", now)
    _add(root, "AccountManagerId", follow_up.details["account_manager"])
    _add(root, "Msisdn", row["msisdn"])
    _add(root, "CustomerTier", row["tier"])
    _add(root, "WorkOrderId", row["id"])
    _add(root, "CategoryCode", row["category_code"])
    _add(root, "Summary", _short(f"{row['phenomenon']}: {row['description']}", 500))
    _add(root, "Channel", "SMS")
    _add(root, "Channel", "WORK_ORDER")
    _add(root, "Priority", row["priority"])
    if row.get("reply_due") is not None:
        _add(root, "DueAt", row["reply_due"])
    return root


def oa_item(follow_up: FollowUp, now: datetime, link_base: str) -> etree._Element:
    """An escalation to-do (``oa-todo``) or a reminder to-read (``oa-toread``) for the responsible person."""
    row = follow_up.work_order
    todo = follow_up.kind == "oa-todo"
    root = _root("oa", "PushTodo" if todo else "PushToRead", now)
    level = row.get("escalation_level") or 0
    _add(root, "ItemId", f"{row['id']}-{'esc' if todo else 'rem'}{level}-{follow_up.details.get('step', 0)}")
    _add(root, "UserId", follow_up.details["manager"])
    _add(root, "Title", _short(f"{'Escalated' if todo else 'Reminder'}: {row['id']} {row['phenomenon']}", 200))
    _add(root, "Link", link_base.format(work_order_id=row["id"]))
    if todo:
        _add(root, "Due", _todo_due(follow_up, now))
    elif row.get("reply_due") is not None:
        _add(root, "Due", _due(row, now))
    _add(root, "Priority", row["priority"])
    _add(root, "WorkOrderId", row["id"])
    _add(root, "Summary", _short(str(follow_up.details.get("reason") or row["description"]), 1000))
    return root


def oa_close(follow_up: FollowUp, now: datetime) -> etree._Element:
    """An escalation to-do the work order no longer needs (``hub.workflow.todos``): closed in OA by the hub."""
    root = _root("oa", "CompleteTodo", now)
    _add(root, "ItemId", follow_up.details["item_id"])
    _add(root, "UserId", follow_up.details["manager"])
    _add(root, "CompletedAt", now)
    _add(root, "Outcome", _short(str(follow_up.details.get("reason") or "closed by the hub"), 200))
    return root


def follow_up_document(follow_up: FollowUp, now: datetime, *, operator: str, link_base: str) -> etree._Element:
    if follow_up.kind == "nsp-dispatch":
        return nsp_dispatch(follow_up, now, operator)
    if follow_up.kind == "crm-notify":
        return crm_notice(follow_up, now)
    if follow_up.kind in ("oa-todo", "oa-toread"):
        return oa_item(follow_up, now, link_base)
    if follow_up.kind == CLOSE_TODO:
        return oa_close(follow_up, now)
    raise ValueError(f"no document for the follow-up {follow_up.kind!r}")
