"""CRM documents ↔ calls: ``crm.NotifyAccountManager`` as call arguments, CRM's answer as an ``AccountManagerNotice``.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.gateways import call_header, command_element, fields

__all__ = ["CRM_NS", "NOTICE_FIELDS", "AccountManagerNotice", "notice", "notify_arguments"]

CRM_NS = "urn:onepoint:crm:1"
NOTICE_FIELDS = ("AccountManagerId", "Msisdn", "CustomerTier", "CustomerName", "WorkOrderId", "CategoryCode",
                 "Summary", "Channel", "Priority", "DueAt")  # NotifyAccountManager after its Header, in order


@dataclass(frozen=True, slots=True)
class AccountManagerNotice:
    """CRM recorded the notice for the account manager: its id (``None`` if CRM gave none)."""

    notice_id: str | None
    document: etree._Element


def notify_arguments(envelope: Envelope, sent_at: datetime | None = None) -> dict[str, Any]:
    """NotifyAccountManager's arguments: every field the caller gave, ``Channel`` as a list (1 to 4)."""
    found = fields(command_element(envelope), NOTICE_FIELDS, repeated=("Channel",))
    return {"Header": call_header(envelope, sent_at), **found}


def notice(document: etree._Element) -> AccountManagerNotice:
    """The ``NotifyAccountManagerResponse`` as an ``AccountManagerNotice``."""
    found: str | None = document.findtext(f"{{{CRM_NS}}}NoticeId")
    return AccountManagerNotice(notice_id=found, document=document)
