"""The work-order commands as the engine takes them: a ``Complaint`` from CreateWorkOrder, an ``ActionRequest`` from
WorkOrderAction (and from the NSP reply and OA completion call-backs), a ``WorkOrderQuery`` from QueryWorkOrders.

Pure functions over validated documents (the ingress validated them against workorder.xsd), no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from hub.workflow.lifecycle import LifecycleAction, WorkOrderState

__all__ = ["ACTION_ELEMENTS", "ActionRequest", "Complaint", "WorkOrderQuery", "action_request", "complaint",
           "work_order_id", "work_order_query"]

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
}


def _text(element: etree._Element, path: str) -> str | None:
    found: str | None = element.findtext(path, namespaces={"wo": WO, "c": C})
    return found


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


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
    intake_point: str | None = None  # where it was taken, as sent (None: ``intake_point_of`` names one)
    sp_code: str | None = None  # the SP a value-added complaint concerns
    received_at: datetime | None = None  # when the hub accepted it: the work order id's date (None: creation's)

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

    occurred = _time(text("OccurredAt"))
    if occurred is None:
        raise ValueError("CreateWorkOrder has no OccurredAt")
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

    @property
    def note(self) -> str | None:
        for key in ("Reason", "Question", "Note", "Instructions", "Result"):
            if self.details.get(key):
                return self.details[key]
        return None


def action_request(document: etree._Element) -> ActionRequest:
    """The ``WorkOrderAction`` document as an ``ActionRequest`` (its one choice element names the action)."""
    chosen = next((child for child in document if etree.QName(child).localname in ACTION_ELEMENTS), None)
    if chosen is None:
        raise ValueError("WorkOrderAction names no action")
    details: dict[str, str] = {}
    dispatch_fields: dict[str, str] = {}
    for child in chosen:
        name = etree.QName(child).localname
        if name == "Field":
            dispatch_fields[child.get("name", "")] = child.text or ""
        else:
            details[name] = child.text or ""
    return ActionRequest(
        work_order_id=_text(document, "wo:WorkOrderId") or "",
        action=ACTION_ELEMENTS[etree.QName(chosen).localname],
        operator=_text(document, "wo:Operator") or "",
        system=_text(document, "wo:Header/c:SourceSystem") or "CS",
        details=details,
        dispatch_fields=dispatch_fields,
        message_id=_text(document, "wo:Header/c:MessageId"),
    )


def work_order_id(document: etree._Element) -> str:
    """The WorkOrderId of a QueryWorkOrder."""
    return _text(document, "wo:WorkOrderId") or ""


@dataclass(frozen=True, slots=True)
class WorkOrderQuery:
    """QueryWorkOrders' filters; every one optional, pages of ``page_size`` newest first."""

    msisdn: str | None = None
    states: tuple[WorkOrderState, ...] = ()
    category: str | None = None
    area_code: str | None = None
    tiers: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    page: int = 1
    page_size: int = 20


def work_order_query(document: etree._Element) -> WorkOrderQuery:
    ns = {"wo": WO, "c": C}
    return WorkOrderQuery(
        msisdn=_text(document, "wo:Msisdn"),
        states=tuple(WorkOrderState(e.text or "") for e in document.iterfind("wo:State", ns)),
        category=_text(document, "wo:Category"),
        area_code=_text(document, "wo:AreaCode"),
        tiers=tuple(e.text or "" for e in document.iterfind("wo:Tier", ns)),
        created_from=_time(_text(document, "wo:CreatedIn/c:From")),
        created_to=_time(_text(document, "wo:CreatedIn/c:To")),
        page=int(_text(document, "wo:Page") or 1),
        page_size=int(_text(document, "wo:PageSize") or 20),
    )
