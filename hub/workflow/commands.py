"""The work-order commands as the engine takes them: a ``Complaint`` from CreateWorkOrder, an ``ActionRequest`` from
WorkOrderAction (and from the NSP reply and OA completion call-backs); QueryWorkOrders' filters are
``hub.workflow.query_commands``.

Pure functions over validated documents (the ingress validated them against workorder.xsd), no I/O. Every
``c:Timestamp`` is read as ``xs:dateTime`` defines it (``hub.validation.instants``: ``T24:00:00`` is the next day's
00:00); an instant no ``datetime`` holds in UTC (years 1-9999) is refused with ``WorkOrderRefused`` code
``instant-out-of-range``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from hub.validation.instants import InstantBeyondRange, read_instant
from hub.workflow.lifecycle import LifecycleAction

__all__ = ["ACTION_ELEMENTS", "NOTE_LENGTH", "RECORDED_DETAILS", "REPLY_RESOLVED", "UNRESOLVED", "WO", "ActionRequest",
           "C", "Complaint", "WorkOrderRefused", "action_request", "complaint", "element_name", "instant", "resolved",
           "text_at", "work_order_id"]

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"

# The WorkOrderAction choice element → the lifecycle action it asks for.
ACTION_ELEMENTS: dict[str, LifecycleAction] = {
    "Dispatch": LifecycleAction.DISPATCH,
    "RejectDispatch": LifecycleAction.REJECT_DISPATCH,
    "Start": LifecycleAction.START,
    "Pend": LifecycleAction.PEND,
    "RequestInfo": LifecycleAction.REQUEST_INFO,
    "SupplyInfo": LifecycleAction.SUPPLY_INFO,
    "Reply": LifecycleAction.REPLY,
    "Suspend": LifecycleAction.SUSPEND,
    "Resume": LifecycleAction.RESUME,
    "Escalate": LifecycleAction.ESCALATE,
    "Callback": LifecycleAction.RETURN_VISIT,
    "Close": LifecycleAction.CLOSE,
    "Cancel": LifecycleAction.CANCEL,
    "Remind": LifecycleAction.REMIND,  # the state stays: hub.workflow.reminders
}


def text_at(element: etree._Element, path: str) -> str | None:
    """The text at ``path`` (prefixes ``wo`` and ``c``) below ``element``, else None."""
    found: str | None = element.findtext(path, namespaces={"wo": WO, "c": C})
    return found


ELEMENT_NAMES: dict[LifecycleAction, str] = {action: name for name, action in ACTION_ELEMENTS.items()}
# the Action elements whose text is a c:Timestamp (read with ``instant`` where they are used)
TIMESTAMP_DETAILS = ("Until", "VisitedAt", "DueAt")
REPLY_RESOLVED = "reply_resolved"  # the history field of a Reply's Resolved ("true" / "false")
UNRESOLVED = " (Resolved: false)"  # the end of the note of a reply that did not resolve the complaint
_WORDS = ("Reason", "Question", "Note", "Instructions", "Result")  # the detail that is an action's note, first given
NOTE_LENGTH = 4000  # a history entry's Note and NewValue: c:LongText
# The details an action keeps as field entries of its history (element → field), beside the one its state entry
# keeps as its note (``ActionRequest.note``: a Reply's Result, a Close's Note). Like NSP's reply (``nsp_*``) they
# are field entries (Field, NewValue: no Action, so the action's one entry of that Action stays its state entry):
# what QueryWorkOrder shows of them, and what the statistics' rebuild reads a reply's Resolved from.
RECORDED_DETAILS: dict[LifecycleAction, tuple[tuple[str, str], ...]] = {
    LifecycleAction.REPLY: (("Cause", "reply_cause"), ("Action", "reply_action"), ("Resolved", REPLY_RESOLVED)),
    LifecycleAction.CLOSE: (("ClosureCode", "closure_code"),),
}


class WorkOrderRefused(Exception):
    """A command the engine will not carry out; ``code`` becomes the c:Error code of the answer. ``kept``: what the
    refusal itself records (given the transaction), written again when what the command did is rolled back
    (``hub.workflow.refused_actions``): a dispatch refused after all keeps its DISPATCH_REFUSED entry."""

    def __init__(self, message: str, *, code: str, kept: Callable[[Any], None] | None = None) -> None:
        super().__init__(message)
        self.code, self.kept = code, kept


def element_name(action: LifecycleAction) -> str:
    """The WorkOrderAction element a caller sends for ``action`` (``Callback`` for RETURN_VISIT); an action no
    caller can send (ACCEPT, AUTO_ANSWER) by its own name."""
    return ELEMENT_NAMES.get(action, action.value)


def resolved(value: str | None) -> bool:
    """A Reply's ``Resolved`` (``xs:boolean``: ``false`` or ``0``, blanks around allowed, say not resolved); a
    reply without one (the hub's own: an incident's resolution, an outage's recovery notice) is resolved."""
    return value is None or value.strip() not in ("false", "0")


def instant(value: str, name: str) -> datetime:
    """A ``c:Timestamp`` the hub keeps or compares (OccurredAt, Until, VisitedAt): beyond years 1-9999 in UTC it is
    refused (``instant-out-of-range``, answered 422), as a moment the work-order store cannot hold."""
    try:
        return read_instant(value)
    except InstantBeyondRange:
        raise WorkOrderRefused(f"{name} {value.strip()!r} lies outside the years 1-9999 (in UTC) the hub can keep",
                               code="instant-out-of-range") from None


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint as a channel took it (CreateWorkOrder)."""

    channel: str
    msisdn: str
    contact_number: str
    category_code: str
    phenomenon: str
    description: str
    occurred_at: datetime
    location: str
    area_code: str
    district: str | None = None
    taken_by: str | None = None
    source_system: str = "CS"
    dispatch_fields: dict[str, str] = field(default_factory=dict)  # the template's fields, filled at intake
    message_id: str | None = None  # the causing message, kept in the history
    checks_done: tuple[str, ...] = ()  # the template's pre-processing checks made, by number (hub.workflow.checks_done)
    intake_point: str | None = None  # where it was taken, as sent (None: ``intake_point_of`` names one)
    sp_code: str | None = None  # the SP a value-added complaint concerns
    received_at: datetime | None = None  # when the hub accepted it: the work order id's date (None: creation's)

    def accepted_at(self, now: datetime) -> datetime:
        """When the work order begins (its ``created_at``, its SLA clock, its statistics day): when the hub's ingress
        accepted the complaint (``received_at``, the hub's own stamp in whole seconds, never the caller's), not when
        a worker got to it after a backlog or a restart; ``now`` when not known or later (clocks of two machines)."""
        return now if self.received_at is None or self.received_at > now else self.received_at

    @property
    def intake(self) -> str:
        """The intake point the mass-complaint rule counts by: as sent, else the channel at the area."""
        return self.intake_point or f"{self.channel}-{self.area_code}"


def _first_children(element: etree._Element | None) -> dict[object, etree._Element]:
    """The first child of each tag, by tag (Clark notation): one pass instead of a path search per field."""
    children: dict[object, etree._Element] = {}
    if element is not None:
        for child in element:
            children.setdefault(child.tag, child)
    return children


def _child_text(children: dict[object, etree._Element], tag: str) -> str | None:
    """As ``findtext``: ``None`` without the element, ``""`` for an empty one."""
    found = children.get(tag)
    return None if found is None else found.text or ""


def complaint(document: etree._Element, received_at: datetime | None = None) -> Complaint:
    """The complaint a CreateWorkOrder document carries; ``received_at`` is when the hub accepted it (the
    envelope's), so every run of the same message dates its work order's id alike, even across midnight."""
    fields = _first_children(document)
    header = _first_children(fields.get(f"{{{WO}}}Header"))
    area = _first_children(fields.get(f"{{{WO}}}Area"))

    def text(name: str) -> str | None:
        return _child_text(fields, f"{{{WO}}}{name}")

    occurred_text = text("OccurredAt")
    if occurred_text is None:
        raise ValueError("CreateWorkOrder has no OccurredAt")
    occurred = instant(occurred_text, "OccurredAt")
    return Complaint(
        channel=text("Channel") or "",
        msisdn=text("Msisdn") or "",
        contact_number=text("ContactNumber") or "",
        category_code=text("CategoryCode") or "",
        phenomenon=text("Phenomenon") or "",
        description=text("Description") or "",
        occurred_at=occurred,
        location=text("Location") or "",
        area_code=_child_text(area, f"{{{C}}}AreaCode") or "",
        district=_child_text(area, f"{{{C}}}District"),
        taken_by=text("TakenBy"),
        source_system=_child_text(header, f"{{{C}}}SourceSystem") or "CS",
        dispatch_fields={e.get("name", ""): e.text or "" for e in document.iterfind(f"{{{WO}}}Field")},
        message_id=_child_text(header, f"{{{C}}}MessageId"),
        checks_done=tuple(e.text or "" for e in document.iterfind(f"{{{WO}}}CheckDone")),
        intake_point=text("IntakePoint"),
        sp_code=text("SpCode"),
        received_at=received_at,
    )


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """One lifecycle action on a work order, by an operator of a system, with the action's own details."""

    work_order_id: str
    action: LifecycleAction
    operator: str
    system: str
    details: dict[str, str] = field(default_factory=dict)
    dispatch_fields: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None  # the causing message, kept in the history
    checks_done: tuple[str, ...] = ()  # a Dispatch's pre-processing checks made, by number (hub.workflow.checks_done)
    following: str | None = None  # the open work order a held repeat acts with (hub.workflow.held_repeats)

    @property
    def words(self) -> str | None:
        """What the action says in its own words: its reason, question, note, instructions or result."""
        return next((self.details[key] for key in _WORDS if self.details.get(key)), None)

    @property
    def note(self) -> str | None:
        """The state entry's note: the action's own ``words``; a reply that says it did not resolve the complaint
        says so in it too (``Resolved: false``, also a field entry)."""
        words = self.words
        if self.resolved:
            return words
        return UNRESOLVED.strip(" ()") if words is None else f"{words[:NOTE_LENGTH - len(UNRESOLVED)]}{UNRESOLVED}"

    @property
    def resolved(self) -> bool:
        """A Reply's ``Resolved`` (True without one): only a resolved reply can be a first-contact resolution."""
        return resolved(self.details.get("Resolved"))


def action_request(document: etree._Element) -> ActionRequest:
    """The ``WorkOrderAction`` document as an ``ActionRequest`` (its one choice element names the action)."""
    chosen = next((child for child in document if etree.QName(child).localname in ACTION_ELEMENTS), None)
    if chosen is None:
        raise ValueError("WorkOrderAction names no action")
    details: dict[str, str] = {}
    dispatch_fields: dict[str, str] = {}
    checks: list[str] = []
    for child in chosen:
        name = etree.QName(child).localname
        if name == "Field":
            dispatch_fields[child.get("name", "")] = child.text or ""
        elif name == "CheckDone":
            checks.append(child.text or "")
        else:
            details[name] = child.text or ""
            if name in TIMESTAMP_DETAILS:
                instant(details[name], name)  # refused here, before the engine acts, when out of range
    return ActionRequest(
        work_order_id=text_at(document, "wo:WorkOrderId") or "",
        action=ACTION_ELEMENTS[etree.QName(chosen).localname],
        operator=text_at(document, "wo:Operator") or "",
        system=text_at(document, "wo:Header/c:SourceSystem") or "CS",
        details=details,
        dispatch_fields=dispatch_fields,
        message_id=text_at(document, "wo:Header/c:MessageId"),
        checks_done=tuple(checks),
    )


def work_order_id(document: etree._Element) -> str:
    """The WorkOrderId of a QueryWorkOrder."""
    return text_at(document, "wo:WorkOrderId") or ""
