"""The tier each of a customer's identities serves at, and the highest of them.

The tier order (highest first) is the order of ``common.xsd``'s ``CustomerTier`` enumeration, read from the installed
schema. An identity counts at the highest of its ``Tier`` and what BOSS says of it (``identity_tier``: its VIP card
level, its role in a group), so a customer is never served below the level BOSS gives (``boss.xsd``'s VipLevel and
GroupRole notes).
"""

from __future__ import annotations

from datetime import date
from functools import cache

from lxml import etree

from adapters.boss.tier_answers import Identity
from hub.customer_tiers import VIP_LEVEL_TIERS, vip_tier
from hub.validation import schema_directory

__all__ = ["GROUP_KEY_PERSON", "KEY_PERSON_ROLES", "enumeration", "highest_tier", "identity_tier", "live_identities",
           "tier_order"]

_XS = "http://www.w3.org/2001/XMLSchema"
KEY_PERSON_ROLES = frozenset({"DECISION_MAKER", "CONTACT"})  # boss.xsd GroupRole: served like VIPs
GROUP_KEY_PERSON = "GROUP_KEY_PERSON"


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
