"""BOSS's tier answer ↔ ``CustomerTier``: the ``QueryCustomerTierResponse`` read as brand, identities, effective tier
and account manager, and the same document answered at another effective tier (``with_effective_tier``, its priority
and answer target rewritten in place, XSD-valid).

Pure functions over lxml elements (no I/O).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from hub.customer_tiers import AnswerTarget, answer_target, priority_of
from hub.validation.namespaces import BOSS_NS

__all__ = ["AccountManager", "CustomerTier", "Identity", "customer_tier", "with_effective_tier"]


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
