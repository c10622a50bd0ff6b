"""OA documents ↔ calls, the OA adapter's mapping: the hub's oa.* pushes as OA gets them, OA's answer as an
``OaItem``; an NSP outage notice as the adapter reads it (``adapters.oa.outage_notices``) and as the to-read item
each manager of an affected area gets (``adapters.oa.notice_to_reads``), given here too.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from adapters.oa.notice_to_reads import (
    content_message_id,
    is_notice_to_read,
    to_read_document,
    to_read_item_id,
    to_read_message_id,
    versioned_push,
)
from adapters.oa.outage_notices import InconsistentNotice, OutageNotice, notice_sent_at, outage_notice
from hub.envelope import Envelope
from hub.gateways import forward_document, timestamp
from hub.gateways.documents import shortened
from hub.validation.namespaces import COMMON_NS, NSP_NS, OA_NS

__all__ = ["NSP_NS", "OA_NS", "InconsistentNotice", "OaItem", "OutageNotice", "closing_document", "content_message_id",
           "is_notice_to_read", "item", "notice_sent_at", "outage_notice", "push_document", "to_read_document",
           "to_read_item_id", "to_read_message_id", "versioned_push", "withdrawal_document"]

_SHORT = 200  # c:ShortText's length


@dataclass(frozen=True, slots=True)
class OaItem:
    """OA took the pushed item: its id, and ``duplicate`` when OA had this push already."""

    item_id: str | None
    duplicate: bool
    document: etree._Element


def push_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """A PushTodo / PushToRead as OA gets it: every field the caller gave, under the hub's header."""
    return forward_document(envelope, sent_at)


def _answer_to_push(name: str, push: etree._Element, message_id: str, when: str) -> etree._Element:
    """The hub's ``oa:<name>`` of the item ``push`` (as OA gets it) puts in OA: header and ItemId, UserId."""
    root = etree.Element(f"{{{OA_NS}}}{name}", nsmap={"oa": OA_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{OA_NS}}}Header")
    for field, value in (("MessageId", message_id),
                         ("CorrelationId", push.findtext(f"{{{OA_NS}}}Header/{{{COMMON_NS}}}MessageId")),
                         ("SourceSystem", "HUB"), ("SentAt", when)):
        if value:
            etree.SubElement(header, f"{{{COMMON_NS}}}{field}").text = value
    for field in ("ItemId", "UserId"):
        etree.SubElement(root, f"{{{OA_NS}}}{field}").text = push.findtext(f"{{{OA_NS}}}{field}") or ""
    return root


def closing_document(push: etree._Element, message_id: str, outcome: str,
                     sent_at: datetime | None = None) -> etree._Element:
    """The hub's ``oa:CompleteTodo`` of the to-do ``push`` (a PushTodo as OA gets it) puts in OA: same item and
    user, MessageId ``message_id``, CorrelationId the push's."""
    when = timestamp(sent_at or datetime.now(UTC))
    root = _answer_to_push("CompleteTodo", push, message_id, when)
    etree.SubElement(root, f"{{{OA_NS}}}CompletedAt").text = when
    etree.SubElement(root, f"{{{OA_NS}}}Outcome").text = shortened(outcome, _SHORT)
    return root


def withdrawal_document(push: etree._Element, message_id: str,
                        reason: str = "withdrawn by the hub: its work order no longer needs it",
                        sent_at: datetime | None = None) -> etree._Element:
    """The hub's ``oa:WithdrawToRead`` of the to-read ``push`` (a PushToRead as OA gets it) puts in OA: same item
    and user, MessageId ``message_id``, CorrelationId the push's."""
    root = _answer_to_push("WithdrawToRead", push, message_id, timestamp(sent_at or datetime.now(UTC)))
    etree.SubElement(root, f"{{{OA_NS}}}Reason").text = shortened(reason, _SHORT)
    return root


def item(document: etree._Element) -> OaItem:
    """A ``PushTodoResponse`` / ``PushToReadResponse`` as an ``OaItem``."""
    status = document.findtext(f"{{{OA_NS}}}Ack/{{{COMMON_NS}}}Status")
    return OaItem(item_id=document.findtext(f"{{{OA_NS}}}ItemId"), duplicate=status == "DUPLICATE",
                  document=document)
