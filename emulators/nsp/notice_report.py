"""What a network notice of the NSP emulator says besides its common fields: the fault report's (障碍申报单)
initiator, reply time and the handler's result feedback, the information notice's (信息报送单) feedback from
customer service and the sending department's answer (nsp.xsd: Initiator, ReplyTime, ResultFeedback,
CustomerServiceFeedback, SenderAnswer).

A tester sets them in the notice's JSON (``POST /nsp/outages``; the clearance's body takes the feedback and
the answers too)::

    {"initiator": "Wireless Optimisation Centre", "reply_time": "2026-11-23T12:30:00+08:00",
     "result_feedback": {"result": "Board replaced", "handler": "Wang Lei", "phone": "13812345678",
                         "at": "2026-11-23T11:05:00+08:00"},
     "customer_service_feedback": "...", "sender_answer": "..."}

Left out, a FAULT notice is raised by its contact (``initiator``) with its reply due two hours after its start
(``reply_time``), and cleared with the contact's feedback at the clearance (``result_feedback``: the clearance's
wording as the result); an information notice carries feedback and answer only when given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from emulators.toolkit.instants import iso_instant
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.xmlcommand import iso, sub
from hub.validation.namespaces import NSP_NS

__all__ = ["CLEAR_REPORT_KEYS", "FEEDBACK_KEYS", "REPLY_WITHIN", "REPORT_KEYS", "NoticeReport", "ReportSpecError",
           "ResultFeedback", "add_report_head", "add_report_tail", "cleared_report", "parse_feedback",
           "parse_report"]

#: the report keys a notice's specification takes (besides ``emulators.nsp.notices.NOTICE_KEYS``' others)
REPORT_KEYS = frozenset({"initiator", "reply_time", "result_feedback", "customer_service_feedback", "sender_answer"})
#: those a clearance's body takes (besides ``wording``)
CLEAR_REPORT_KEYS = frozenset({"result_feedback", "customer_service_feedback", "sender_answer"})
FEEDBACK_KEYS = frozenset({"result", "handler", "phone", "at"})
REPLY_WITHIN = 7_200.0  # a FAULT notice's default reply time: two hours after its start
_LATEST = 253_402_214_400.0  # as emulators.nsp.notices.LATEST


class ReportSpecError(ValueError):
    """A report field of a notice specification is malformed (the caller names it as a ``NoticeSpecError``)."""


@dataclass(frozen=True, slots=True)
class ResultFeedback:
    """The handler's result feedback of a fault report: what was done, by whom, the handler's phone, when."""

    result: str
    handler: str
    phone: str
    at: float

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "handler": self.handler, "phone": self.phone, "at": iso(self.at)}


@dataclass(frozen=True, slots=True)
class NoticeReport:
    initiator: str | None = None
    reply_time: float | None = None
    result_feedback: ResultFeedback | None = None
    customer_service_feedback: str | None = None
    sender_answer: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"initiator": self.initiator,
                "reply_time": iso(self.reply_time) if self.reply_time is not None else None,
                "result_feedback": self.result_feedback.to_json() if self.result_feedback else None,
                "customer_service_feedback": self.customer_service_feedback, "sender_answer": self.sender_answer}


def _instant(value: Any, key: str) -> float:
    if isinstance(value, str):
        try:
            value = iso_instant(value, key)
        except ValueError as exc:
            raise ReportSpecError(str(exc)) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportSpecError(f"'{key}' must be an ISO 8601 time or epoch seconds")
    if not math.isfinite(value) or not 0 <= value <= _LATEST:
        raise ReportSpecError(f"'{key}' is out of range: give a time between 1970 and 9999")
    return float(value)


def _text(spec: dict[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ReportSpecError(f"'{key}' must be a non-empty string")
    return value


def parse_feedback(value: Any, *, now: float) -> ResultFeedback | None:
    """``result_feedback`` of a specification: ``{result, handler, phone[, at]}`` (``at`` defaults to now)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ReportSpecError("'result_feedback' must be an object {result, handler, phone, at}")
    problem = unknown_keys_problem(value, FEEDBACK_KEYS, where="'result_feedback'")
    if problem:
        raise ReportSpecError(problem)
    texts = {key: _text(value, key) for key in ("result", "handler", "phone")}
    missing = [key for key, text in texts.items() if text is None]
    if missing:
        raise ReportSpecError(f"'result_feedback' needs {', '.join(missing)}")
    at = _instant(value["at"], "result_feedback.at") if "at" in value else now
    return ResultFeedback(str(texts["result"]), str(texts["handler"]), str(texts["phone"]), at)


def parse_report(spec: dict[str, Any], *, kind: str, start: float, now: float, contact: str) -> NoticeReport:
    """The report fields of a notice's specification, with a FAULT notice's defaults (its contact raised it; the
    reply is due ``REPLY_WITHIN`` after its start)."""
    initiator = _text(spec, "initiator")
    reply_time = _instant(spec["reply_time"], "reply_time") if spec.get("reply_time") is not None else None
    if kind == "FAULT":
        initiator = initiator or contact
        reply_time = reply_time if reply_time is not None else min(start + REPLY_WITHIN, _LATEST)
    return NoticeReport(initiator, reply_time, parse_feedback(spec.get("result_feedback"), now=now),
                        _text(spec, "customer_service_feedback"), _text(spec, "sender_answer"))


def add_report_head(root: etree._Element, report: NoticeReport) -> None:
    """Initiator and ReplyTime (after RecipientDepartment)."""
    if report.initiator:
        sub(root, NSP_NS, "Initiator", report.initiator)
    if report.reply_time is not None:
        sub(root, NSP_NS, "ReplyTime", iso(report.reply_time))


def add_report_tail(root: etree._Element, report: NoticeReport) -> None:
    """ResultFeedback, CustomerServiceFeedback and SenderAnswer (after ClearedAt)."""
    feedback = report.result_feedback
    if feedback is not None:
        element = sub(root, NSP_NS, "ResultFeedback")
        for local, value in (("Result", feedback.result), ("Handler", feedback.handler), ("Phone", feedback.phone),
                             ("At", iso(feedback.at))):
            sub(element, NSP_NS, local, value)
    if report.customer_service_feedback:
        sub(root, NSP_NS, "CustomerServiceFeedback", report.customer_service_feedback)
    if report.sender_answer:
        sub(root, NSP_NS, "SenderAnswer", report.sender_answer)


def cleared_report(report: NoticeReport, spec: dict[str, Any], *, kind: str, wording: str,
                   contact: tuple[str, str], now: float) -> NoticeReport:
    """The report of a notice's clearance: the feedback and answers the clearance's body gives, else those kept;
    a FAULT notice cleared without feedback gets its contact's, at the clearance, with the clearance's wording as
    the result."""
    feedback = parse_feedback(spec.get("result_feedback"), now=now) or report.result_feedback
    if feedback is None and kind == "FAULT":
        feedback = ResultFeedback(wording, contact[0], contact[1], now)
    return replace(report, result_feedback=feedback,
                   customer_service_feedback=_text(spec, "customer_service_feedback")
                   or report.customer_service_feedback,
                   sender_answer=_text(spec, "sender_answer") or report.sender_answer)
