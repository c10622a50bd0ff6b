"""BOSS documents ↔ calls: the hub's boss.* commands as call arguments, BOSS's answers as domain values.

Pure functions over lxml elements (no I/O): unit-tested on the schema examples. The tier order (highest first)
is the order of ``common.xsd``'s ``CustomerTier`` enumeration, read from the installed schema. An identity counts
at the highest of its ``Tier`` and what BOSS says of it (``identity_tier``: its VIP card level, its role in a group),
so a customer is never served below the level BOSS gives (``boss.xsd``'s VipLevel and GroupRole notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from lxml import etree

from hub.customer_tiers import VIP_LEVEL_TIERS, AnswerTarget, answer_target, priority_of, vip_tier
from hub.envelope import Envelope
from hub.gateways import call_header, command_element, fields, text_of
from hub.validation import schema_directory
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

_XS = "http://www.w3.org/2001/XMLSchema"
KEY_PERSON_ROLES = frozenset({"DECISION_MAKER", "CONTACT"})  # boss.xsd GroupRole: served like VIPs
GROUP_KEY_PERSON = "GROUP_KEY_PERSON"


@dataclass(frozen=True, slots=True)
class Identity:
    """One of a customer's identities (a VIP card, a group membership, a contract...)."""

    tier: str
    vip_level: str | None = None
    group_id: str | None = None
    group_name: str | None = None
    group_role: str | None = None
    valid_until: str | None = None


@dataclass(frozen=True, slots=True)
class AccountManager:
    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerTier:
    """BOSS's tier lookup: brand, identities, the effective tier (highest identity wins), the account manager.

    ``document`` is BOSS's ``QueryCustomerTierResponse`` as received (XSD-valid); the caller gets it with its
    own Ack.
    """

    msisdn: str
    brand: str
    identities: tuple[Identity, ...]
    effective_tier: str
    priority: int
    account_manager: AccountManager | None
    document: etree._Element

    @property
    def vip_level(self) -> str | None:
        return next((i.vip_level for i in self.identities if i.vip_level), None)

    @property
    def groups(self) -> tuple[Identity, ...]:
        """The group memberships (identities with a group)."""
        return tuple(i for i in self.identities if i.group_id)


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


@cache
def enumeration(schema_file: str, type_name: str) -> tuple[str, ...]:
    """The values of the installed schema ``schema_file``'s enumerated simple type ``type_name``, in its order."""
    with schema_directory() as directory:
        schema = etree.parse(str(directory / schema_file))
    values = schema.xpath(f"//xs:simpleType[@name='{type_name}']//xs:enumeration/@value", namespaces={"xs": _XS})
    return tuple(str(v) for v in values)


def tier_order() -> tuple[str, ...]:
    """The customer tiers, highest first (``common.xsd`` lists them in that order)."""
    return enumeration("common.xsd", "CustomerTier")


def highest_tier(tiers: list[str] | tuple[str, ...]) -> str:
    """The highest of ``tiers`` (the effective tier of a customer with these identities; an unknown code last)."""
    order = tier_order()
    return min(tiers, key=lambda t: order.index(t) if t in order else len(order))


def identity_tier(identity: Identity) -> str:
    """The tier ``identity`` serves its customer at: its ``Tier``, raised to its VIP card level's
    (``hub.customer_tiers.vip_tier``: a PLATINUM card listed as VIP_GOLD is VIP_DIAMOND) and, for a group's key
    person (``GroupRole`` DECISION_MAKER or CONTACT, listed as GROUP_MEMBER say), to GROUP_KEY_PERSON; never
    lowered (a VIP_GOLD who is also a group contact stays VIP_GOLD)."""
    tiers = [identity.tier]
    level = identity.vip_level
    if level is not None and level in VIP_LEVEL_TIERS:
        tiers.append(vip_tier(level))
    if identity.group_role in KEY_PERSON_ROLES:
        tiers.append(GROUP_KEY_PERSON)
    return highest_tier(tiers)


def live_identities(identities: tuple[Identity, ...], today: date) -> tuple[Identity, ...]:
    """The identities still valid on ``today``: those without a ``ValidUntil`` or valid until today or later
    (one that cannot be read is kept: BOSS listed it)."""
    def live(identity: Identity) -> bool:
        if not identity.valid_until:
            return True
        try:
            return date.fromisoformat(identity.valid_until[:10]) >= today
        except ValueError:
            return True

    return tuple(identity for identity in identities if live(identity))


_AFTER_EFFECTIVE = ("Identity", "Brand", "Msisdn", "Ack")  # what precedes it in boss.xsd's sequence, backwards
_AFTER_PRIORITY = ("AccountManagerName", "AccountManagerId", "EffectiveTier", "Identity", "Brand", "Msisdn", "Ack")


def _set_in_sequence(document: etree._Element, name: str, value: str, after: tuple[str, ...]) -> None:
    """``document``'s child ``name`` set to ``value``; added where the XSD's sequence puts it when missing."""
    found = document.find(f"{{{BOSS_NS}}}{name}")
    if found is None:
        found = etree.Element(f"{{{BOSS_NS}}}{name}")
        previous = next((hits[-1] for hits in (document.findall(f"{{{BOSS_NS}}}{before}") for before in after)
                         if hits), None)
        if previous is None:
            document.insert(0, found)
        else:
            previous.addnext(found)
    found.text = value


def _set_answer_target(document: etree._Element, target: AnswerTarget) -> None:
    """``document``'s ``AnswerTarget`` (the last of the sequence) set to ``target``."""
    for found in document.findall(f"{{{BOSS_NS}}}AnswerTarget"):
        document.remove(found)
    element = etree.SubElement(document, f"{{{BOSS_NS}}}AnswerTarget")
    for name, value in (("ShareAnsweredPercent", target.share_percent), ("AnswerWithinSeconds", target.within_seconds),
                        ("WindowMinutes", target.window_minutes)):
        etree.SubElement(element, f"{{{BOSS_NS}}}{name}").text = str(value)


def with_effective_tier(tier: CustomerTier, effective: str) -> CustomerTier:
    """``tier`` answered as ``effective`` with its priority and published answer target (``hub.customer_tiers``):
    the document's ``EffectiveTier``, ``Priority`` and ``AnswerTarget`` rewritten in place (XSD-valid: a tier of
    the enumeration, a priority 1-4); BOSS's ``AnswerTarget`` was the target of the tier BOSS named."""
    priority = priority_of(effective)
    _set_in_sequence(tier.document, "EffectiveTier", effective, _AFTER_EFFECTIVE)
    _set_in_sequence(tier.document, "Priority", str(priority), _AFTER_PRIORITY)
    _set_answer_target(tier.document, answer_target(effective))
    return CustomerTier(tier.msisdn, tier.brand, tier.identities, effective, priority, tier.account_manager,
                        tier.document)


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


def customer_tier(document: etree._Element) -> CustomerTier:
    """The ``QueryCustomerTierResponse`` as a ``CustomerTier`` (BOSS's EffectiveTier kept as it answered)."""
    identities = tuple(
        Identity(tier=_text(e, "Tier") or "", vip_level=_text(e, "VipLevel"), group_id=_text(e, "GroupId"),
                 group_name=_text(e, "GroupName"), group_role=_text(e, "GroupRole"),
                 valid_until=_text(e, "ValidUntil"))
        for e in document.iterfind(f"{{{BOSS_NS}}}Identity")
    )
    manager_id = _text(document, "AccountManagerId")
    return CustomerTier(
        msisdn=_text(document, "Msisdn") or "",
        brand=_text(document, "Brand") or "",
        identities=identities,
        effective_tier=_text(document, "EffectiveTier") or "",
        priority=int(_text(document, "Priority") or 0),
        account_manager=AccountManager(manager_id, _text(document, "AccountManagerName")) if manager_id else None,
        document=document,
    )


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
