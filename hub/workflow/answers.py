"""The workflow's answers: CreateWorkOrderResponse, WorkOrderActionResponse, QueryWorkOrder(s)Response, built from
the store's rows (``hub.workflow.store``). Pure functions; every answer validates against workorder.xsd.

Times are shown to the millisecond, except a work order's ``CreatedAt``: to the microsecond, as stored, so the value
a caller was shown is a bound of QueryWorkOrders' CreatedIn that finds that work order (both ends inclusive)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.gateways.documents import timestamp
from hub.workflow.history_mailboxes import shown_value

__all__ = ["acknowledged_answer", "action_answer", "created_answer", "work_order_answer", "work_order_element",
           "work_orders_answer"]

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
NSMAP = {"wo": WO, "c": C}

Row = Mapping[str, Any]
_ANSWERED = frozenset({"AUTO_ANSWERED", "REPLIED", "RETURN_VISITED", "CLOSED"})  # after the reply: DueAt's visit
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")  # wo:FieldName
_PHONE_NUMBER = re.compile(r"\+?[0-9][0-9\-]{2,19}")  # c:PhoneNumber


def _created_at(row: Row) -> str:
    created: datetime = row["created_at"]
    return created.isoformat(timespec="microseconds")


def _add(parent: etree._Element, name: str, value: object, namespace: str = WO) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if isinstance(value, datetime):
        element.text = timestamp(value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def acknowledged_answer(name: str, envelope: Envelope, now: datetime, *, namespace: str = WO,
                        prefix: str = "wo") -> etree._Element:
    """The answer ``name`` (of ``namespace``) with its ``Ack`` (COMPLETED, received ``now``), the results still to
    add: every workflow answer, the listeners' and templates' queries and the mail ingress's AnswerMail begin so."""
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={prefix: namespace, "c": C})
    ack = etree.SubElement(root, f"{{{namespace}}}Ack")
    etree.SubElement(ack, f"{{{C}}}MessageId").text = envelope.message_id
    if envelope.correlation_id:
        etree.SubElement(ack, f"{{{C}}}CorrelationId").text = envelope.correlation_id
    etree.SubElement(ack, f"{{{C}}}Status").text = "COMPLETED"
    etree.SubElement(ack, f"{{{C}}}ReceivedAt").text = timestamp(now)
    return root


def _deadlines(parent: etree._Element, row: Row) -> None:
    deadlines = _add(parent, "Deadlines", None)
    for name, column in (("FirstResponseDue", "first_response_due"), ("ReplyDue", "reply_due"),
                         ("ReturnVisitDue", "return_visit_due")):
        if row.get(column) is not None:
            _add(deadlines, name, row[column])
    _add(deadlines, "Paused", row.get("paused_since") is not None)
    if row.get("sla_version"):
        _add(deadlines, "SlaVersion", row["sla_version"])


def created_answer(envelope: Envelope, row: Row, customer_orders: Iterable[Row], *, repeat: bool,
                   now: datetime, extra: Mapping[str, str] | None = None,
                   repeat_of: tuple[str, bool] | None = None,
                   dispatch_refused: tuple[str, str, Sequence[str]] | None = None) -> etree._Element:
    """``extra``: what the intake rules add (``OutageNoticeId``, ``AutoAnswer``, ``IncidentId``), in that order.
    ``repeat_of``: the template fields were complete but the complaint was not dispatched, it repeats this open work
    order a department holds (and whether that one was reminded); ``dispatch_refused``: its fields were not
    dispatched at intake, the code, reason and fields at fault (``hub.workflow.intake_dispatch``). The
    Ack's ``ReceivedAt`` is when the work order began (``created_at``: the hub's ingress accepted the complaint,
    ``Complaint.accepted_at``), the instant its deadlines run from, not when a worker got to it."""
    began = row.get("created_at")
    root = acknowledged_answer("CreateWorkOrderResponse", envelope, began if isinstance(began, datetime) else now)
    _add(root, "WorkOrderId", row["id"])
    _add(root, "State", row["state"])
    if row.get("tier"):
        _add(root, "Tier", row["tier"])
    _add(root, "Priority", row["priority"])
    _deadlines(root, row)
    _add(root, "RepeatComplaint", repeat)
    for other in list(customer_orders)[:50]:
        ref = _add(root, "CustomerWorkOrder", None)
        for name, column in (("WorkOrderId", "id"), ("State", "state"), ("Channel", "channel"),
                             ("CategoryCode", "category_code")):
            _add(ref, name, other[column])
        _add(ref, "CreatedAt", _created_at(other))
    for name in ("OutageNoticeId", "AutoAnswer", "IncidentId"):
        if extra and extra.get(name):
            _add(root, name, extra[name])
    if repeat_of is not None:
        _add(root, "RepeatOf", repeat_of[0]).set("reminded", "true" if repeat_of[1] else "false")
    if dispatch_refused is not None:
        code, reason, fields = dispatch_refused
        refused = _add(root, "DispatchRefused", None)
        refused.set("code", code)
        _add(refused, "Reason", reason)
        for name in fields:
            if _FIELD_NAME.fullmatch(name):
                _add(refused, "FieldName", name)
    return root


def action_answer(envelope: Envelope, row: Row, now: datetime, *,
                  attempt: tuple[int, int, str] | None = None) -> etree._Element:
    """``attempt``: a return visit's unreached call recorded as an attempt (``hub.workflow.visit_attempts``, the
    state unchanged): its number, the attempts a visit takes and the outcome, answered as ``ReturnVisitAttempt``."""
    root = acknowledged_answer("WorkOrderActionResponse", envelope, now)
    _add(root, "WorkOrderId", row["id"])
    _add(root, "State", row["state"])
    if row.get("owner"):
        _add(root, "Owner", row["owner"])
    _deadlines(root, row)
    if attempt is not None:
        recorded = _add(root, "ReturnVisitAttempt", None)
        for name, value in zip(("Attempt", "Of", "Outcome"), attempt, strict=True):
            _add(recorded, name, value)
    return root


def _history(parent: etree._Element, entry: Row) -> None:
    element = _add(parent, "History", None)
    _add(element, "At", entry["at"])
    _add(element, "By", entry.get("actor") or "hub")
    for name, column in (("System", "system"), ("Action", "action"), ("FromState", "from_state"),
                         ("State", "to_state"), ("Field", "field"), ("OldValue", "old_value"),
                         ("NewValue", "new_value"), ("Note", "note"), ("MessageId", "message_id")):
        value = entry.get(column)
        if column in ("old_value", "new_value") and value:  # a mailbox the history holds: masked, as in the logs
            value = shown_value(entry.get("field"), str(value))
        if value is not None and value != "":
            _add(element, name, value)


def work_order_element(row: Row, history: Iterable[Row] = (), *, repeat: bool | None = None,
                       parent: etree._Element | None = None, content: bool = False) -> etree._Element:
    """A ``wo:WorkOrder`` (under ``parent`` when given): the row's fields, then its history oldest first.
    ``RepeatComplaint``: ``repeat``, else the row's mark (none for a work order created before it was kept).
    ``content`` (QueryWorkOrder: one work order): also what the complaint says (description, location, contact
    number) and the fields it was dispatched with, as kept (a complaint dispatched at intake has no history entry
    of them: a desk reopening it saw nothing of what NSP was sent)."""
    element = (etree.Element(f"{{{WO}}}WorkOrder", nsmap=NSMAP) if parent is None
               else _add(parent, "WorkOrder", None))
    for name, column in (("WorkOrderId", "id"), ("State", "state"), ("Channel", "channel"), ("Msisdn", "msisdn"),
                         ("CategoryCode", "category_code"), ("Phenomenon", "phenomenon")):
        _add(element, name, row[column])
    if row.get("tier"):
        _add(element, "Tier", row["tier"])
    _add(element, "Priority", row["priority"])
    _add(element, "CreatedAt", _created_at(row))
    # the reply's deadline; once replied, the return visit's (an incident has none: still the reply's). None while
    # the clock is paused (Deadlines/Paused): the deadline moves by the pause, unknown until it ends, even when the
    # limit shown before the pause (kept in Deadlines) had passed already
    due = (row.get("return_visit_due") if row["state"] in _ANSWERED else None) or row.get("reply_due")
    if due is not None and row.get("paused_since") is None:
        _add(element, "DueAt", due)
    if row.get("area_code"):
        area = _add(element, "Area", None)
        _add(area, "AreaCode", row["area_code"], C)
        if row.get("district"):
            _add(area, "District", row["district"], C)
    if row.get("owner"):
        _add(element, "Owner", row["owner"])
    _add(element, "EscalationLevel", row.get("escalation_level") or 0)
    _deadlines(element, row)
    if repeat is None and row.get("repeat_complaint") is not None:  # kept since store migration 0009
        repeat = bool(row["repeat_complaint"])
    if repeat is not None:
        _add(element, "RepeatComplaint", repeat)
    _add(element, "TicketType", row.get("ticket_type") or "COMPLAINT")
    for name, column in (("IntakePoint", "intake_point"), ("SpCode", "sp_code"), ("OutageNoticeId", "outage_id"),
                         ("IncidentId", "incident_id"), ("ChildCount", "child_count"), ("RepeatOf", "repeat_of"),
                         ("RepeatCount", "repeat_count")):
        if row.get(column) is not None:
            _add(element, name, row[column])
    if content:
        _content(element, row)
    if row.get("group_id"):  # kept since store migration 0020: a group customer always marked as one
        _group(element, row)
    for entry in history:
        _history(element, entry)
    return element


def _content(element: etree._Element, row: Row) -> None:
    """Description, Location, ContactNumber and the DispatchFields of ``row`` (each within its schema type)."""
    for name, column in (("Description", "description"), ("Location", "location")):
        if row.get(column):
            _add(element, name, str(row[column])[:4000 if name == "Description" else 200])
    if row.get("contact_number") and _PHONE_NUMBER.fullmatch(str(row["contact_number"])):
        _add(element, "ContactNumber", row["contact_number"])
    try:
        fields = json.loads(row.get("dispatch_fields") or "{}")
    except ValueError:  # a row written by hand: nothing to show rather than no answer
        fields = {}
    for name, value in sorted(fields.items()) if isinstance(fields, dict) else ():
        if _FIELD_NAME.fullmatch(str(name)) and value not in (None, ""):
            _add(element, "DispatchField", str(value)[:200]).set("name", str(name))


def _group(element: etree._Element, row: Row) -> None:
    """The customer's group customer (``wo:Group``), as kept from BOSS's tier answer."""
    group = _add(element, "Group", None)
    _add(group, "GroupId", row["group_id"])
    if row.get("group_name"):
        _add(group, "GroupName", str(row["group_name"])[:200])
    if row.get("group_role"):
        _add(group, "GroupRole", row["group_role"])


def work_order_answer(envelope: Envelope, row: Row | None, history: Iterable[Row], now: datetime) -> etree._Element:
    root = acknowledged_answer("QueryWorkOrderResponse", envelope, now)
    if row is not None:
        work_order_element(row, history, parent=root, content=True)
    return root


def work_orders_answer(envelope: Envelope, total: int, rows: Iterable[Row], now: datetime, *,
                       next_cursor: str | None = None) -> etree._Element:
    """``next_cursor``: the ``Next`` of a full page (``query_commands.page_cursor`` of its last row)."""
    root = acknowledged_answer("QueryWorkOrdersResponse", envelope, now)
    _add(root, "Total", total)
    for row in rows:
        work_order_element(row, parent=root)
    if next_cursor is not None:
        _add(root, "Next", next_cursor)
    return root
