"""Network notices (fault reports 障碍申报单 and planned-work notices 信息报送单) as the NSP emulator keeps them.

A notice is raised from a JSON object (``POST /nsp/outages``, or a scripted schedule event)::

    {"kind": "FAULT", "title": "Fibre cut Futian", "areas": ["0755", {"area_code": "0755", "district": "Futian"}],
     "services": ["VOICE", "DATA"], "wording": "A fibre cut affects ...", "content": "...",
     "expected_end": "2026-11-23T18:00:00+08:00", "expected_end_in": 3600, "notice_id": "FLT-20261123-0007",
     "adjustment_kind": "CUT_OVER", "contact": "...", "contact_phone": "..."}

and the fault report's and information notice's own fields (``emulators.nsp.notice_report``: initiator, reply
time, result feedback, customer-service feedback, the sender's answer).

``kind`` defaults to FAULT; a PLANNED_WORK notice needs ``adjustment_kind`` and a FAULT one must not have it (the
rule the hub enforces and XSD 1.0 cannot express). Every document is validated against nsp.xsd before it leaves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from emulators.nsp.notice_report import (
    REPORT_KEYS,
    NoticeReport,
    ReportSpecError,
    add_report_head,
    add_report_tail,
    parse_report,
)
from emulators.toolkit.instants import iso_instant
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.xmlcommand import COMMON_NS, XmlTextError, add_header, check_json_text, iso, sub
from hub.validation.namespaces import NSP_NS

__all__ = ["FUNCTION_SERVICES", "NOTICE_KEYS", "NSP_NS", "Notice", "NoticeSpecError", "notice_document",
           "parse_notice_spec"]

SENDING_DEPARTMENT = "Provincial Network Management Centre"
RECIPIENT_DEPARTMENT = "Customer Service Centre"
DEFAULT_CONTACT = ("NMC duty officer", "020-87650000")
#: the keys a notice specification takes; any other is refused (400 naming it), never ignored
NOTICE_KEYS = frozenset({"kind", "title", "areas", "services", "wording", "content", "start", "expected_end",
                         "expected_end_in", "notice_id", "adjustment_kind", "contact", "contact_phone"}) | REPORT_KEYS
AREA_KEYS = frozenset({"area_code", "district"})
LATEST = 253_402_214_400.0  # 9999-12-30T00:00:00Z: still a year-9999 time in China Standard Time

#: the services a complaint's FunctionAffected falls under, to match it with an active notice.
FUNCTION_SERVICES: dict[str, frozenset[str]] = {
    "ORIGINATE_CALL": frozenset({"VOICE", "VOLTE"}), "RECEIVE_CALL": frozenset({"VOICE", "VOLTE"}),
    "CALL_QUALITY": frozenset({"VOICE", "VOLTE"}), "SIGNAL": frozenset({"VOICE", "DATA", "VOLTE"}),
    "SEND_SMS": frozenset({"SMS"}), "RECEIVE_SMS": frozenset({"SMS"}), "MMS": frozenset({"MMS"}),
    "DATA": frozenset({"DATA"}), "VOLTE": frozenset({"VOLTE", "VOICE"}), "ROAMING": frozenset({"ROAMING"}),
}


class NoticeSpecError(ValueError):
    """A notice specification cannot be turned into a valid OutageNotice."""

    def __init__(self, message: str, violations: list[str] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []


@dataclass(slots=True)
class Notice:
    notice_id: str
    kind: str
    title: str
    areas: list[tuple[str, str | None]]
    services: list[str]
    wording: str
    start: float
    adjustment_kind: str | None = None
    expected_end: float | None = None
    content: str | None = None
    contact: tuple[str, str] = DEFAULT_CONTACT
    revision: int = 1
    status: str = "ACTIVE"  # ACTIVE | CLEARED | WITHDRAWN (issued in error: no outage)
    cleared_at: float | None = None  # cleared, or withdrawn, at
    withdrawal_reason: str | None = None  # why NSP withdrew it (a withdrawal only)
    history: list[dict[str, Any]] = field(default_factory=list)
    report: NoticeReport = field(default_factory=NoticeReport)  # the fault report's / information notice's own fields
    feedback: list[dict[str, Any]] = field(default_factory=list)  # customer service's NoticeFeedback, as received

    def covers(self, area_code: str, district: str | None, functions: list[str]) -> bool:
        """Whether a complaint at this area about these functions is explained by this (active) notice."""
        if self.status != "ACTIVE":
            return False
        services = set().union(*(FUNCTION_SERVICES.get(f, frozenset()) for f in functions))
        if not services & set(self.services):
            return False
        return any(code == area_code and (d is None or district is None or d.casefold() == district.casefold())
                   for code, d in self.areas)

    def to_json(self) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id, "revision": self.revision, "kind": self.kind,
            "adjustment_kind": self.adjustment_kind, "title": self.title, "status": self.status,
            "areas": [{"area_code": c, "district": d} for c, d in self.areas], "services": list(self.services),
            "wording": self.wording, "content": self.content, "start": iso(self.start),
            "expected_end": iso(self.expected_end) if self.expected_end is not None else None,
            "cleared_at": iso(self.cleared_at) if self.cleared_at is not None else None,
            "withdrawal_reason": self.withdrawal_reason, **self.report.to_json(),
            "feedback_received": list(self.feedback), "sent": list(self.history),
        }


def _in_range(epoch: float, key: str) -> float:
    if not math.isfinite(epoch) or not 0 <= epoch <= LATEST:
        raise NoticeSpecError(f"'{key}' is out of range: give a time between 1970 and 9999")
    return float(epoch)


def _instant(value: Any, key: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _in_range(value, key)
    if isinstance(value, str):
        try:
            return _in_range(iso_instant(value, key), key)
        except ValueError as exc:
            raise NoticeSpecError(str(exc)) from exc
    raise NoticeSpecError(f"'{key}' must be an ISO 8601 time or epoch seconds")


def _seconds(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise NoticeSpecError(f"'{key}' must be a number of seconds >= 0")
    return float(value)


def _text(spec: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = spec.get(key, default)
    if value is not None and not isinstance(value, str):
        raise NoticeSpecError(f"'{key}' must be a string")
    return value


def _areas(value: Any) -> list[tuple[str, str | None]]:
    if not isinstance(value, list) or not value:
        raise NoticeSpecError("'areas' must be a non-empty list of area codes or {area_code, district} objects")
    areas: list[tuple[str, str | None]] = []
    for item in value:
        if isinstance(item, str):
            areas.append((item, None))
        elif (isinstance(item, dict) and isinstance(item.get("area_code"), str)
              and isinstance(item.get("district"), str | None)):
            problem = unknown_keys_problem(item, AREA_KEYS, where="an area")
            if problem:
                raise NoticeSpecError(problem)
            district = item.get("district")
            areas.append((item["area_code"], district or None))
        else:
            raise NoticeSpecError(f"bad area {item!r}: give an area code or {{area_code, district}}")
    return areas


def parse_notice_spec(spec: Any, *, now: float, notice_id: str) -> Notice:
    """A :class:`Notice` from a JSON specification (checks the shape; :func:`notice_document` checks the XSD)."""
    if not isinstance(spec, dict):
        raise NoticeSpecError("a notice is a JSON object")
    try:
        check_json_text(spec)  # a script's text too: what XML 1.0 cannot hold is named at load, not when sent
    except XmlTextError as exc:
        raise NoticeSpecError(str(exc)) from None
    problem = unknown_keys_problem(spec, NOTICE_KEYS, where="the notice")
    if problem:
        raise NoticeSpecError(problem)
    for key in ("title", "wording"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise NoticeSpecError(f"'{key}' is required (a non-empty string)")
    services = spec.get("services")
    if not isinstance(services, list) or not services or not all(isinstance(s, str) for s in services):
        raise NoticeSpecError("'services' must be a non-empty list such as [\"VOICE\", \"DATA\"]")
    kind, adjustment = _text(spec, "kind", "FAULT"), _text(spec, "adjustment_kind")
    named = _text(spec, "notice_id")
    if named is not None and not named.strip():
        raise NoticeSpecError("'notice_id' must be a non-empty string (or left out for a new number)")
    if kind == "PLANNED_WORK" and not adjustment:
        raise NoticeSpecError("a PLANNED_WORK notice needs 'adjustment_kind'")
    if kind == "FAULT" and adjustment:
        raise NoticeSpecError("a FAULT notice has no 'adjustment_kind'")
    start = _instant(spec["start"], "start") if "start" in spec else now
    if "expected_end" in spec and "expected_end_in" in spec:
        raise NoticeSpecError("give 'expected_end' or 'expected_end_in', not both")
    expected_end = _instant(spec["expected_end"], "expected_end") if "expected_end" in spec else None
    if "expected_end_in" in spec:
        expected_end = _in_range(start + _seconds(spec["expected_end_in"], "expected_end_in"), "expected_end_in")
    contact = (_text(spec, "contact", DEFAULT_CONTACT[0]) or DEFAULT_CONTACT[0],
               _text(spec, "contact_phone", DEFAULT_CONTACT[1]) or DEFAULT_CONTACT[1])
    try:
        report = parse_report(spec, kind=kind or "FAULT", start=start, now=now, contact=contact[0])
    except ReportSpecError as exc:
        raise NoticeSpecError(str(exc)) from None
    return Notice(
        notice_id=named or notice_id, kind=kind or "FAULT", title=spec["title"],
        areas=_areas(spec.get("areas")), services=list(services), wording=spec["wording"], start=start,
        adjustment_kind=adjustment or None, expected_end=expected_end, content=_text(spec, "content"),
        contact=contact, report=report,
    )


def notice_document(notice: Notice, *, message_id: str, sent_at: float) -> etree._Element:
    """The OutageNotice document for the notice's current revision."""
    root = etree.Element(f"{{{NSP_NS}}}OutageNotice", nsmap={"nsp": NSP_NS, "c": COMMON_NS})
    add_header(root, NSP_NS, message_id=message_id, source="NSP", sent_at=sent_at)
    sub(root, NSP_NS, "NoticeId", notice.notice_id)
    sub(root, NSP_NS, "Revision", notice.revision)
    sub(root, NSP_NS, "Kind", notice.kind)
    if notice.adjustment_kind:
        sub(root, NSP_NS, "AdjustmentKind", notice.adjustment_kind)
    sub(root, NSP_NS, "Title", notice.title)
    sub(root, NSP_NS, "SendingDepartment", SENDING_DEPARTMENT)
    sub(root, NSP_NS, "Contact", notice.contact[0])
    sub(root, NSP_NS, "ContactPhone", notice.contact[1])
    sub(root, NSP_NS, "RecipientDepartment", RECIPIENT_DEPARTMENT)
    add_report_head(root, notice.report)
    for code, district in notice.areas:
        area = sub(root, NSP_NS, "Area")
        sub(area, COMMON_NS, "AreaCode", code)
        if district:
            sub(area, COMMON_NS, "District", district)
    for service in notice.services:
        sub(root, NSP_NS, "Service", service)
    sub(root, NSP_NS, "Start", iso(notice.start))
    if notice.expected_end is not None:
        sub(root, NSP_NS, "ExpectedEnd", iso(notice.expected_end))
    if notice.content:
        sub(root, NSP_NS, "Content", notice.content)
    sub(root, NSP_NS, "CustomerWording", notice.wording)
    sub(root, NSP_NS, "Status", notice.status)
    if notice.cleared_at is not None:
        sub(root, NSP_NS, "ClearedAt", iso(notice.cleared_at))
    if notice.withdrawal_reason:
        sub(root, NSP_NS, "WithdrawalReason", notice.withdrawal_reason)
    add_report_tail(root, notice.report)
    return root
