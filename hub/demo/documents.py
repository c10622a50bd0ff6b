"""The documents the demo sends, made from the command sets' own valid examples (shipped with the package) with
the scenario's customer, ids and times filled in, so that each is what a real caller would send."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from hub.validation.command_sets import schema_directory
from hub.validation.namespaces import COMMON_NS
from hub.workflow.taxonomy import DispatchTemplate, Target, load_taxonomy

__all__ = ["dispatch_instructions", "dispatch_target", "new_complaint", "now_text", "read_xml", "sms_log_query",
           "work_order_action", "work_order_query"]

DSMP, WO = "urn:onepoint:dsmp:1", "urn:onepoint:workorder:1"
WITH_THE_ORDER = ("msisdn", "contact_number")  # template fields the hub takes from the work order itself


def read_xml(data: bytes) -> etree._Element:
    """A document the demo reads (an example, the hub's answer, a system's journal entry): no entities, no network
    (a parser per call: lxml's parsers are not to be shared between threads)."""
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def now_text() -> str:
    """Now, as a ``c:SentAt`` value."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _example(path: str) -> etree._Element:
    with schema_directory() as directory:
        data = Path(directory, "examples", path).read_bytes()
    return read_xml(data)


def _fill(document: etree._Element, namespace: str, values: Mapping[str, str]) -> etree._Element:
    """Set each ``path`` (``Field`` or ``Parent/c:Field`` style, ``c:`` the common namespace) to its value."""
    for path, value in values.items():
        steps = [f"{{{COMMON_NS}}}{step[2:]}" if step.startswith("c:") else f"{{{namespace}}}{step}"
                 for step in path.split("/")]
        field = document.find("/".join(steps))
        if field is None:
            raise LookupError(f"the example has no {path}")
        field.text = value
    return document


def _remove(document: etree._Element, namespace: str, path: str) -> None:
    """Drop every ``path`` element (an optional one the scenario does not send)."""
    for element in document.findall("/".join(f"{{{namespace}}}{step}" for step in path.split("/"))):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)


def _bytes(document: etree._Element) -> bytes:
    data: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return data


def _header(message_id: str) -> dict[str, str]:
    return {"Header/c:MessageId": message_id, "Header/c:SourceSystem": "CS", "Header/c:SentAt": now_text()}


def sms_log_query(message_id: str, msisdn: str, operator: str, window_to: datetime, work_order_id: str, *,
                  days: int = 3, page_size: int = 20) -> bytes:
    """A complaint front end's QuerySmsLog: the last ``days`` of DSMP's records, both directions, for the
    customer's complaint ``work_order_id`` (the hub refuses a query whose work order is not the customer's)."""
    document = _fill(_example("dsmp/QuerySmsLog.valid.xml"), DSMP, {
        **_header(message_id), "Msisdn": msisdn, "Period/c:From": (window_to - timedelta(days=days)).isoformat(),
        "Period/c:To": window_to.isoformat(), "OperatorAccount": operator, "PageSize": str(page_size),
        "WorkOrderId": work_order_id,
    })
    _remove(document, DSMP, "Direction")
    return _bytes(document)


def new_complaint(message_id: str, customer: Any, agent: str, occurred_at: datetime,
                  phenomenon: Mapping[str, str] | None = None) -> bytes:
    """CreateWorkOrder: the hotline takes a complaint of ``customer`` (a seeded subscriber) in their own area;
    ``phenomenon``: other values of ``CategoryCode``, ``Phenomenon``, ``Description`` than the example's."""
    document = _fill(_example("workorder/CreateWorkOrder.valid.xml"), WO, {
        **_header(message_id), "Msisdn": customer.msisdn, "OccurredAt": occurred_at.isoformat(timespec="seconds"),
        "Location": f"Near the customer's home, {customer.district}", "Area/c:AreaCode": customer.area_code,
        "Area/c:District": customer.district, "TakenBy": agent, **(phenomenon or {}),
    })
    _remove(document, WO, "Attachment")
    return _bytes(document)


@cache
def _templates() -> tuple[DispatchTemplate, ...]:
    return tuple(load_taxonomy().templates.values())


def dispatch_target(fields: Mapping[str, str]) -> Target:
    """Where a dispatch of ``fields`` goes: the target of the taxonomy's templates that ask for all of them
    (``LookupError`` when they fit no template, or templates of different targets: name the department)."""
    given = set(fields) - set(WITH_THE_ORDER)
    targets = {template.target for template in _templates() if given and given <= set(template.field_names)}
    if len(targets) != 1:
        raise LookupError(f"the fields {sorted(given)} name no one dispatch target "
                          f"({', '.join(sorted(t.code for t in targets)) or 'no template asks for them'})")
    return targets.pop()


def dispatch_instructions(fields: Mapping[str, str], *, what: str = "The customer's fault", where: str = "") -> str:
    """A dispatch's instructions as the agent writes them from the complaint: ``what`` (its phenomenon) ``where``
    (its district and area), since the fault time, at the fault place, on the terminal the fields give."""
    said = what + (f" in {where}" if where else "")
    for name, text in (("fault_time", " since {}"), ("fault_place", "; place: {}"),
                       ("terminal_type", "; terminal: {}")):
        if fields.get(name):
            said += text.format(fields[name])
    return (f"{said}. Intake checks done: balance, barring, SIM and HLR without fault. Please check the network "
            "serving the customer there and reply.")[:2000]


def work_order_action(message_id: str, work_order_id: str, operator: str, action: str,
                      values: Mapping[str, str] | None = None, fields: Mapping[str, str] | None = None,
                      checks: Sequence[int] = ()) -> bytes:
    """WorkOrderAction from its example ``WorkOrderAction.valid-<action>.xml`` (``dispatch``, ``reply``...):
    ``values`` set the action's own elements (``Escalate/ToDepartment``); ``fields`` are a dispatch's
    template fields (``<wo:Field name=...>``), replacing the example's. A dispatch of ``fields`` never keeps the
    example's department and instructions (another complaint's): unless ``values`` give them, it goes to the
    target of the template the fields fill (``dispatch_target``) with instructions made of the fields
    (``dispatch_instructions``). ``checks``: the template's pre-processing checks the agent made, by number
    (``<wo:CheckDone>``, after the fields)."""
    values = dict(values or {})
    if fields is not None:
        if "Dispatch/ToDepartment" not in values:
            target = dispatch_target(fields)
            values.update({"Dispatch/ToDepartment": target.code, "Dispatch/ToSystem": target.system})
        values.setdefault("Dispatch/Instructions", dispatch_instructions(fields))
    document = _fill(_example(f"workorder/WorkOrderAction.valid-{action}.xml"), WO, {
        **_header(message_id), "WorkOrderId": work_order_id, "Operator": operator, **values,
    })
    if fields is not None:
        dispatch = document.find(f"{{{WO}}}Dispatch")
        if dispatch is None:
            raise LookupError(f"the {action} example is no Dispatch: it carries no fields")
        _remove(document, WO, "Dispatch/Field")
        _remove(document, WO, "Dispatch/DueAt")  # the work order's own deadline applies
        for name, value in fields.items():
            etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
        for number in checks:
            etree.SubElement(dispatch, f"{{{WO}}}CheckDone").text = str(number)
    return _bytes(document)


def work_order_query(message_id: str, work_order_id: str) -> bytes:
    """QueryWorkOrder: one work order with its whole history."""
    return _bytes(_fill(_example("workorder/QueryWorkOrder.valid.xml"), WO,
                        {**_header(message_id), "WorkOrderId": work_order_id}))
