"""The documents the simulated front ends send: CreateWorkOrder built for an ``Arrival`` (in the schema's order,
its times in simulated time: OccurredAt is when the fault occurred, as the template's fault time says) and the
work-order actions, made from the command set's valid examples by ``hub.demo.documents`` (the same builder the
demo uses), with the simulated instant where a time is asked. A dispatch is the complaint's: its template's target
department and system, instructions written from its phenomenon, area and fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from lxml import etree

from hub.demo.documents import dispatch_instructions, work_order_action
from hub.validation.namespaces import COMMON_NS
from hub.workflow.taxonomy import Target

__all__ = ["Complaint", "Intake", "action", "create_work_order", "dispatch_values"]

WO = "urn:onepoint:workorder:1"


class Intake(Protocol):
    """What CreateWorkOrder says of a complaint (``hub.simulate.arrivals.Arrival``)."""

    @property
    def at(self) -> datetime: ...
    @property
    def occurred(self) -> datetime: ...
    @property
    def msisdn(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def phenomenon(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def area_code(self) -> str: ...
    @property
    def district(self) -> str: ...
    @property
    def intake_point(self) -> str | None: ...
    @property
    def fields(self) -> dict[str, str]: ...


def _sub(parent: etree._Element, name: str, text: str, namespace: str = WO) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    element.text = text
    return element


def create_work_order(arrival: Intake, message_id: str, *, taken_by: str) -> bytes:
    """CreateWorkOrder for ``arrival``: the intake fields as ``wo:Field`` (complete ones get it dispatched at once)."""
    root = etree.Element(f"{{{WO}}}CreateWorkOrder", nsmap={"wo": WO, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{WO}}}Header")
    _sub(header, "MessageId", message_id, COMMON_NS)
    _sub(header, "SourceSystem", "CS", COMMON_NS)
    _sub(header, "SentAt", datetime.now(UTC).isoformat(timespec="seconds"), COMMON_NS)
    _sub(root, "Channel", arrival.channel)
    _sub(root, "Msisdn", arrival.msisdn)
    _sub(root, "ContactNumber", arrival.msisdn)
    _sub(root, "CategoryCode", arrival.category)
    _sub(root, "Phenomenon", arrival.phenomenon[:200])
    _sub(root, "Description", f"{arrival.phenomenon}: the customer reports it at {arrival.location}.")
    _sub(root, "OccurredAt", arrival.occurred.replace(microsecond=0).isoformat())
    _sub(root, "Location", arrival.location[:200])
    area = etree.SubElement(root, f"{{{WO}}}Area")
    _sub(area, "AreaCode", arrival.area_code, COMMON_NS)
    _sub(area, "District", arrival.district, COMMON_NS)
    _sub(root, "TakenBy", taken_by)
    if arrival.intake_point:
        _sub(root, "IntakePoint", arrival.intake_point)
    for name, value in arrival.fields.items():
        _sub(root, "Field", value).set("name", name)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


class Complaint(Intake, Protocol):
    """What a dispatch says of its complaint (``hub.simulate.arrivals.Arrival``)."""

    @property
    def target(self) -> Target | None: ...


def dispatch_values(complaint: Complaint, fields: Mapping[str, str]) -> dict[str, str]:
    """A dispatch's department, system and instructions for ``complaint`` sent with ``fields``."""
    values = {"Dispatch/Instructions": dispatch_instructions(
        fields, what=complaint.phenomenon, where=f"{complaint.district} ({complaint.area_code})")}
    if complaint.target is not None:
        values.update({"Dispatch/ToDepartment": complaint.target.code, "Dispatch/ToSystem": complaint.target.system})
    return values


def action(message_id: str, work_order_id: str, operator: str, name: str, *,
           values: Mapping[str, str] | None = None, fields: Mapping[str, str] | None = None,
           complaint: Complaint | None = None) -> bytes:
    """WorkOrderAction ``name`` (dispatch, reject-dispatch, reply, callback, close) as in the command set's examples;
    a dispatch's department and instructions are ``complaint``'s (``dispatch_values``), else those of the template
    ``fields`` fill (``hub.demo.documents.work_order_action``)."""
    if name == "dispatch" and complaint is not None:
        values = {**dispatch_values(complaint, fields or {}), **(values or {})}
    return work_order_action(message_id, work_order_id, operator, name, values, fields)
