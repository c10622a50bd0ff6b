"""The bulletin as the front ends read it: JSON (default) or XML, one entry per notice with its unread mark.

Each notice carries its ``edition`` (raised by every change, corrections and clearances at the same revision
included): the number a front end sends back to mark read what it showed. The top-level ``unread`` is the agent's
count under the list's filter (``BulletinPage.unread``), not the page's; a list given without it counts itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from hub.bulletin.board import BulletinEntry

__all__ = ["BULLETIN_NS", "bulletin_json", "bulletin_xml", "entry_json", "notice_xml"]

BULLETIN_NS = "urn:onepoint:bulletin:1"


def _moment(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def entry_json(entry: BulletinEntry) -> dict[str, Any]:
    n = entry.notice
    return {
        "notice_id": n.notice_id, "revision": n.revision, "edition": entry.edition, "kind": n.kind,
        "adjustment_kind": n.adjustment_kind,
        "status": n.status, "title": n.title, "customer_wording": n.customer_wording, "content": n.content,
        "areas": [{"code": a.code, "district": a.district} for a in n.areas], "services": list(n.services),
        "start": n.start, "expected_end": n.expected_end, "cleared_at": n.cleared_at,
        "sending_department": n.sending_department, "contact": n.contact, "contact_phone": n.contact_phone,
        "initiator": n.initiator, "reply_time": n.reply_time, "result_feedback": _feedback(entry),
        "customer_service_feedback": n.customer_service_feedback, "sender_answer": n.sender_answer,
        "raised_at": _moment(entry.raised_at), "updated_at": _moment(entry.updated_at), "unread": entry.unread,
    }


def _feedback(entry: BulletinEntry) -> dict[str, str | None] | None:
    """The fault report's result feedback (what the handler did, who, the handler's phone, when), None without."""
    n = entry.notice
    given = {"result": n.feedback_result, "handler": n.feedback_handler, "phone": n.feedback_phone,
             "at": n.feedback_at}
    return given if any(value is not None for value in given.values()) else None


def bulletin_json(agent: str, entries: Sequence[BulletinEntry], *, unread: int | None = None) -> dict[str, Any]:
    """``{"agent", "unread", "notices"}``; ``unread``: the agent's count (default: the entries' own)."""
    return {"agent": agent, "unread": sum(e.unread for e in entries) if unread is None else unread,
            "notices": [entry_json(e) for e in entries]}


def _notice_element(parent: etree._Element | None, entry: BulletinEntry) -> etree._Element:
    q = f"{{{BULLETIN_NS}}}"
    data = entry_json(entry)
    attributes = {"id": data["notice_id"], "revision": str(data["revision"]), "edition": str(entry.edition),
                  "status": data["status"], "unread": "true" if entry.unread else "false"}
    notice = (etree.Element(f"{q}Notice", attributes, nsmap={"b": BULLETIN_NS}) if parent is None
              else etree.SubElement(parent, f"{q}Notice", attributes))
    for key in ("kind", "adjustment_kind", "title", "customer_wording", "content", "start", "expected_end",
                "cleared_at", "sending_department", "contact", "contact_phone", "initiator", "reply_time",
                "customer_service_feedback", "sender_answer", "raised_at", "updated_at"):
        if data[key] is not None:
            etree.SubElement(notice, q + "".join(p.title() for p in key.split("_"))).text = str(data[key])
    if data["result_feedback"] is not None:
        feedback = etree.SubElement(notice, f"{q}ResultFeedback")
        for key, value in data["result_feedback"].items():
            if value is not None:
                etree.SubElement(feedback, q + key.title()).text = value
    for area in entry.notice.areas:
        element = etree.SubElement(notice, f"{q}Area", code=area.code)
        element.text = area.district
    for service in entry.notice.services:
        etree.SubElement(notice, f"{q}Service").text = service
    return notice


def bulletin_xml(agent: str, entries: Sequence[BulletinEntry], *, next_page: str | None = None,
                 unread: int | None = None) -> bytes:
    """``<b:Bulletin agent= unread= [next=]>`` with one ``<b:Notice id= revision= edition= status= unread=>`` per
    entry; ``next``: the cursor of the following page; ``unread`` as in ``bulletin_json``."""
    count = sum(e.unread for e in entries) if unread is None else unread
    root = etree.Element(f"{{{BULLETIN_NS}}}Bulletin", nsmap={"b": BULLETIN_NS}, agent=agent, unread=str(count))
    if next_page is not None:
        root.set("next", next_page)
    for entry in entries:
        _notice_element(root, entry)
    data_bytes: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data_bytes


def notice_xml(entry: BulletinEntry) -> bytes:
    """One ``<b:Notice>`` as its own document (``GET /bulletin?notice=ID``)."""
    data_bytes: bytes = etree.tostring(_notice_element(None, entry), xml_declaration=True, encoding="UTF-8")
    return data_bytes
