"""A notice's to-read items as OA gets them: the ``oa:PushToRead`` telling each manager of an affected area of an
``OutageNotice``, its item id, and the MessageId of its push.

A notice's to-read carries its version in what OA shows (title "… cleared", priority, "(revision N)" in the
summary) and in its MessageId, derived from that content and from the id the hub gave the push
(``to_read_message_id``): a redelivered push is answered DUPLICATE by OA and does not reopen an item the manager
read, while a correction that brings back an earlier content (A, then B, then A again at one revision) is a new
message that replaces B.

Pure functions over lxml elements (no I/O).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from lxml import etree

from adapters.oa.outage_notices import OutageNotice
from hub.gateways import timestamp
from hub.gateways.documents import shortened
from hub.validation.namespaces import COMMON_NS, OA_NS

__all__ = ["content_message_id", "is_notice_to_read", "to_read_document", "to_read_item_id", "to_read_message_id",
           "versioned_push"]

_SHORT, _SUMMARY = 200, 1000  # c:ShortText and oa:Summary lengths
_PLACEHOLDER_ID = "hub-to-read-item"  # replaced by the id the outbound path derives
_NOTICE_ITEM = re.compile(r"toread-(?:FLT|ADJ)-[0-9]{8}-[0-9]{4}-.+")  # to_read_item_id's


def to_read_item_id(notice: OutageNotice, user_id: str) -> str:
    """One to-read item per notice and manager: a newer revision replaces (and reopens) the manager's item."""
    return f"toread-{notice.notice_id}-{user_id}"


def to_read_message_id(document: etree._Element, push_id: str) -> str:
    """The MessageId of a notice's to-read push: derived from what it shows (item, so notice and manager; title, so
    status; summary, so revision and content; priority; link) and from ``push_id``, the id the hub gave this push
    (derived from the notice message that brought the version, ``Sender.message_id``). The same push redelivered is
    the same message; the same content brought back by a later correction is another."""
    return "oa-toread-" + hashlib.sha256(f"{_shown(document)}\n{push_id}".encode()).hexdigest()[:40]


def content_message_id(document: etree._Element) -> str:
    """The MessageId a notice's to-read push carried before the push's id was part of it (from its content alone):
    what items announced by an earlier version of the hub expect (``ToReadVersions.pushing`` accepts it)."""
    return "oa-toread-" + hashlib.sha256(_shown(document).encode()).hexdigest()[:40]


def _shown(document: etree._Element) -> str:
    return "\n".join(document.findtext(f"{{{OA_NS}}}{name}") or ""
                     for name in ("ItemId", "UserId", "Title", "Link", "Priority", "Summary"))


def is_notice_to_read(document: etree._Element) -> bool:
    """Whether ``document`` pushes a notice's to-read (``to_read_item_id``), not a work order's."""
    return _NOTICE_ITEM.fullmatch(document.findtext(f"{{{OA_NS}}}ItemId") or "") is not None


def versioned_push(document: etree._Element, push_id: str) -> etree._Element:
    """A PushToRead of a notice's to-read (``to_read_item_id``) with its MessageId derived from its content and
    ``push_id`` (``to_read_message_id``); any other push unchanged."""
    if not is_notice_to_read(document):
        return document
    header_id = document.find(f"{{{OA_NS}}}Header/{{{COMMON_NS}}}MessageId")
    if header_id is not None:
        header_id.text = to_read_message_id(document, push_id)
    return document


def _title(notice: OutageNotice) -> str:
    label = "Fault notice" if notice.kind == "FAULT" else "Planned work"
    if notice.cleared:
        label += " withdrawn" if notice.withdrawn else " cleared"
    return shortened(f"{label}: {notice.title}", _SHORT)


def _summary(notice: OutageNotice) -> str:
    """What is affected, where and when, then the customer wording, within oa:Summary's 1000 characters.

    The wording (what the managers are to tell customers, up to 1000 characters itself) keeps its room: the area
    list is given what the rest leaves, whole areas in NSP's order and "and N more areas" for those that do not
    fit (the notice's page, the to-read's link, lists them all); only a wording too long for any area list is cut.
    """
    when = f"since {notice.start}" + (f", expected end {notice.expected_end}" if notice.expected_end else "")
    if notice.withdrawn:
        when += f"; withdrawn {notice.cleared_at or ''}".rstrip() + ": issued in error, there was no outage"
    elif notice.cleared:
        when += f"; cleared {notice.cleared_at or ''}".rstrip()
    services, tail = f"{', '.join(notice.services)} affected in ", (
        f" {when} (revision {notice.revision}). Customer wording: {notice.wording}")
    where = _areas([f"{code} {district}" if district else code for code, district in notice.areas],
                   _SUMMARY - len(services) - len(tail))
    return shortened(f"{services}{where}{tail}", _SUMMARY)


def _areas(areas: list[str], room: int) -> str:
    """The areas within ``room`` characters: all when they fit, else the first ones whole and "and N more areas"
    (at least that, however little the room)."""
    listed = ", ".join(areas)
    if len(listed) <= room:
        return listed
    for shown in range(len(areas) - 1, 0, -1):
        text = f"{', '.join(areas[:shown])} and {len(areas) - shown} more areas"
        if len(text) <= room:
            return text
    return f"{len(areas)} areas"


def _priority(notice: OutageNotice) -> int:
    """A fault in progress first (2), planned work next (3), a cleared or withdrawn notice last (4)."""
    if notice.cleared:
        return 4
    return 2 if notice.kind == "FAULT" else 3


def to_read_document(notice: OutageNotice, user_id: str, link: str, sent_at: datetime | None = None) -> etree._Element:
    """The ``oa:PushToRead`` telling manager ``user_id`` of ``notice`` (the outbound path sets its MessageId)."""
    root = etree.Element(f"{{{OA_NS}}}PushToRead", nsmap={"oa": OA_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{OA_NS}}}Header")
    for name, value in (("MessageId", _PLACEHOLDER_ID), ("SourceSystem", "HUB"),
                        ("SentAt", timestamp(sent_at or datetime.now(UTC)))):
        etree.SubElement(header, f"{{{COMMON_NS}}}{name}").text = value
    for name, value in (("ItemId", to_read_item_id(notice, user_id)), ("UserId", user_id), ("Title", _title(notice)),
                        ("Link", link), ("Priority", str(_priority(notice))), ("Summary", _summary(notice))):
        etree.SubElement(root, f"{{{OA_NS}}}{name}").text = value
    return root
