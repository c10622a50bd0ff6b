"""Customer tiers of the complaint workflow: order, effective tier, priority and published answer targets.

Pure domain, imported by the BOSS emulator (its population) and the hub's BOSS adapter alike (an answer whose
effective tier the hub corrects carries that tier's priority and answer target). Tier codes are the values of
``common.xsd`` ``CustomerTier``, highest first.

- :func:`effective_tier`: a customer with several identities is treated at the highest one;
- :func:`priority_of`: VIP_* and GROUP_KEY_PERSON 1, GROUP_MEMBER 2, LONG_DISTANCE_ROAMING and CONTRACT 3,
  the others 4 (``boss.xsd`` QueryCustomerTierResponse);
- :data:`ANSWER_TARGETS`: share answered within n seconds over a window (``boss.xsd`` AnswerTarget);
- :func:`vip_tier`: BOSS VIP card level -> tier (LIFETIME_DIAMOND, DIAMOND, PLATINUM -> VIP_DIAMOND).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "ANSWER_TARGETS",
    "TIER_ORDER",
    "VIP_LEVEL_TIERS",
    "AnswerTarget",
    "HasTier",
    "answer_target",
    "effective_tier",
    "is_account_managed",
    "priority_of",
    "tier_rank",
    "vip_tier",
]

TIER_ORDER: tuple[str, ...] = (
    "VIP_DIAMOND",
    "VIP_GOLD",
    "VIP_SILVER",
    "GROUP_KEY_PERSON",
    "GROUP_MEMBER",
    "LONG_DISTANCE_ROAMING",
    "CONTRACT",
    "PREPAID",
    "SHENZHOUXING",
    "OTHER_BRAND",
)
_RANK = {tier: rank for rank, tier in enumerate(TIER_ORDER)}

VIP_LEVEL_TIERS: dict[str, str] = {
    "LIFETIME_DIAMOND": "VIP_DIAMOND",
    "DIAMOND": "VIP_DIAMOND",
    "PLATINUM": "VIP_DIAMOND",
    "GOLD": "VIP_GOLD",
    "SILVER": "VIP_SILVER",
}


@dataclass(frozen=True, slots=True)
class AnswerTarget:
    """``share_percent`` of calls answered within ``within_seconds``, measured over ``window_minutes``."""

    share_percent: int
    within_seconds: int
    window_minutes: int


_VIP_TARGET = AnswerTarget(95, 20, 30)
ANSWER_TARGETS: dict[str, AnswerTarget] = {
    "VIP_DIAMOND": _VIP_TARGET,
    "VIP_GOLD": _VIP_TARGET,
    "VIP_SILVER": _VIP_TARGET,
    "GROUP_KEY_PERSON": AnswerTarget(95, 20, 30),
    "GROUP_MEMBER": AnswerTarget(80, 20, 30),
    "LONG_DISTANCE_ROAMING": AnswerTarget(85, 20, 60),
    "CONTRACT": AnswerTarget(80, 20, 60),
    "PREPAID": AnswerTarget(30, 20, 60),
    "SHENZHOUXING": AnswerTarget(60, 40, 60),
    "OTHER_BRAND": AnswerTarget(60, 40, 60),
}

_PRIORITY = {"GROUP_KEY_PERSON": 1, "GROUP_MEMBER": 2, "LONG_DISTANCE_ROAMING": 3, "CONTRACT": 3}


class HasTier(Protocol):
    @property
    def tier(self) -> str: ...


def tier_rank(tier: str) -> int:
    """0 for the highest tier (VIP_DIAMOND); raises ValueError for an unknown code."""
    try:
        return _RANK[tier]
    except KeyError:
        raise ValueError(f"unknown customer tier {tier!r}") from None


def effective_tier(identities: Iterable[str | HasTier]) -> str:
    """The highest tier among ``identities`` (tier codes or objects with a ``tier``); ValueError if none."""
    tiers = [item if isinstance(item, str) else item.tier for item in identities]
    if not tiers:
        raise ValueError("a customer needs at least one identity")
    return min(tiers, key=tier_rank)


def priority_of(tier: str) -> int:
    """Work-order priority (1 most urgent ... 4 routine) of an effective tier."""
    if tier_rank(tier) <= _RANK["VIP_SILVER"]:
        return 1
    return _PRIORITY.get(tier, 4)


def answer_target(tier: str) -> AnswerTarget:
    tier_rank(tier)
    return ANSWER_TARGETS[tier]


def is_account_managed(tier: str) -> bool:
    """VIP and group customers have an account manager who is told of every complaint."""
    return tier_rank(tier) <= _RANK["GROUP_MEMBER"]


def vip_tier(vip_level: str) -> str:
    """The tier of a BOSS VIP card level (a customer is never served below the BOSS level)."""
    try:
        return VIP_LEVEL_TIERS[vip_level]
    except KeyError:
        raise ValueError(f"unknown VIP level {vip_level!r}") from None
