"""The group customer a work order's customer belongs to, from BOSS's tier answer: kept on the work order
(``group_id``, ``group_name``, ``group_role``; store migration 0020) whatever tier wins.

The domain: group customers' ordinary members are served like contract customers and key persons like VIPs, "always
marked as group customers"; a customer with several identities is treated at the highest. So the effective tier
alone loses the mark (a GoTone gold VIP who is also a group's ordinary member is answered VIP_GOLD), and the
group-customer lists and figures under-counted: the membership is kept beside the tier.

BOSS lists each identity (``boss:Identity``); a group membership is one with a ``GroupId``. When a customer is in
several groups, the one kept is that of the highest identity (the choice, written down here and in
docs/work-order-queries.md): an identity counts at the highest of its ``Tier`` and, for a group's key person
(``GroupRole`` DECISION_MAKER or CONTACT), GROUP_KEY_PERSON, as the BOSS adapter ranks identities
(``adapters.boss.identity_tiers.identity_tier``); so a decision maker of one group is kept before an ordinary member of
another, and between equals BOSS's first listed. A membership whose ``ValidUntil`` passed before the operator's day
(``today``) is over and not kept; one whose date cannot be read is kept (BOSS listed it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from hub.customer_tiers import TIER_ORDER, tier_rank

__all__ = ["KEY_PERSON_ROLES", "GroupMembership", "group_membership"]

BOSS = "urn:onepoint:boss:1"
KEY_PERSON_ROLES = frozenset({"DECISION_MAKER", "CONTACT"})  # boss.xsd GroupRole: served like VIPs
_KEY_PERSON_RANK = tier_rank("GROUP_KEY_PERSON")


@dataclass(frozen=True, slots=True)
class GroupMembership:
    """A customer's membership of a group customer: BOSS's group code (10 digits), its name, the member's role
    (DECISION_MAKER, CONTACT or MEMBER; None when BOSS gave none)."""

    group_id: str
    group_name: str | None = None
    group_role: str | None = None

    def columns(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "group_name": self.group_name, "group_role": self.group_role}


NO_GROUP_COLUMNS: dict[str, Any] = {"group_id": None, "group_name": None, "group_role": None}


def _text(element: etree._Element, name: str) -> str | None:
    found = element.findtext(f"{{{BOSS}}}{name}")
    return found.strip() if found and found.strip() else None


def _rank(identity: etree._Element) -> int:
    """The rank of the tier ``identity`` serves its customer at (0 highest; an unknown code last)."""
    tier = _text(identity, "Tier") or ""
    rank = tier_rank(tier) if tier in TIER_ORDER else len(TIER_ORDER)
    if _text(identity, "GroupRole") in KEY_PERSON_ROLES:
        rank = min(rank, _KEY_PERSON_RANK)
    return rank


def _live(identity: etree._Element, today: date | None) -> bool:
    until = _text(identity, "ValidUntil")
    if today is None or until is None:
        return True
    try:
        return date.fromisoformat(until[:10]) >= today
    except ValueError:
        return True


def group_membership(answer: etree._Element, today: date | None = None) -> GroupMembership | None:
    """The group membership of BOSS's ``QueryCustomerTierResponse`` ``answer`` to keep (see the module): that of the
    highest identity with a ``GroupId`` still valid on ``today`` (None: every one counts); None when there is none."""
    groups = [identity for identity in answer.iterfind(f"{{{BOSS}}}Identity")
              if _text(identity, "GroupId") and _live(identity, today)]
    if not groups:
        return None
    chosen = min(groups, key=_rank)  # min keeps the first of equals: BOSS's order
    return GroupMembership(_text(chosen, "GroupId") or "", _text(chosen, "GroupName"), _text(chosen, "GroupRole"))
