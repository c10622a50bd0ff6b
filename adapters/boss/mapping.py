"""BOSS documents ↔ calls, the BOSS adapter's mapping: the hub's boss.* commands as call arguments, BOSS's answers as
domain values. The tier answer is read and rewritten in ``adapters.boss.tier_answers``, the tier each identity serves
at ranked in ``adapters.boss.identity_tiers``: both given here too.

Pure functions over lxml elements (no I/O): unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from adapters.boss.identity_tiers import (
    KEY_PERSON_ROLES,
    enumeration,
    highest_tier,
    identity_tier,
    live_identities,
    tier_order,
)
from adapters.boss.tier_answers import AccountManager, CustomerTier, Identity, customer_tier, with_effective_tier
from hub.envelope import Envelope
from hub.gateways import call_header, command_element, fields, text_of
from hub.validation.namespaces import BOSS_NS

__all__ = [
    "BOSS_NS",
    "KEY_PERSON_ROLES",
    "AccountManager",
    "CustomerTier",
    "FieldChange",
    "HlrSync",
    "Identity",
    "customer_tier",
    "enumeration",
    "highest_tier",
    "hlr_sync",
    "identity_tier",
    "live_identities",
    "msisdn_of",
    "subscriber_arguments",
    "sync_arguments",
    "tier_arguments",
    "tier_order",
    "with_effective_tier",
    "xs_boolean",
]


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    hlr_value: str
    boss_value: str


@dataclass(frozen=True, slots=True)
class HlrSync:
    """What an HLR sync repaired: each field whose HLR value differed from BOSS's (empty: nothing to repair)."""

    changed: bool
    changes: tuple[FieldChange, ...]
    document: etree._Element


def msisdn_of(envelope: Envelope) -> str:
    msisdn = text_of(command_element(envelope), "Msisdn")
    if not msisdn:
        raise ValueError(f"{envelope.command_type} without Msisdn")
    return msisdn


def tier_arguments(envelope: Envelope, sent_at: datetime | None = None) -> dict[str, Any]:
    return {"Header": call_header(envelope, sent_at), "Msisdn": msisdn_of(envelope)}


def subscriber_arguments(envelope: Envelope, sent_at: datetime | None = None) -> dict[str, Any]:
    return {"Header": call_header(envelope, sent_at), "Msisdn": msisdn_of(envelope)}


def sync_arguments(envelope: Envelope, sent_at: datetime | None = None) -> dict[str, Any]:
    """SyncHLR's arguments: Msisdn, WorkOrderId, Reason, Operator, as the caller gave them."""
    found = fields(command_element(envelope), ("Msisdn", "WorkOrderId", "Reason", "Operator"))
    return {"Header": call_header(envelope, sent_at), **found}


def _text(element: etree._Element, name: str) -> str | None:
    found: str | None = element.findtext(f"{{{BOSS_NS}}}{name}")
    return found


def hlr_sync(document: etree._Element) -> HlrSync:
    """The ``SyncHLRResponse``: whether BOSS changed the HLR and the diff it repaired."""
    changes = tuple(
        FieldChange(_text(e, "Field") or "", _text(e, "HlrValue") or "", _text(e, "BossValue") or "")
        for e in document.iterfind(f"{{{BOSS_NS}}}Change")
    )
    return HlrSync(changed=xs_boolean(_text(document, "Changed")), changes=changes, document=document)


def xs_boolean(text: str | None) -> bool:
    """An ``xs:boolean`` as XSD reads it: "true" or "1" (whitespace collapsed) is true; "false", "0" or absent,
    false (BOSS's SOAP stack may write ``Changed`` as "1")."""
    return (text or "").strip() in ("true", "1")
