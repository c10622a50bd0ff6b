"""A seeded, deterministic subscriber population shared by the BOSS, CRM and DSMP emulators.

``generate_population(seed, subscribers, hlr_drift_share=...)`` returns the same data for the same arguments
(one ``random.Random(seed)``); :mod:`hub.customer_tiers` (the domain's, shared with the hub's BOSS adapter) holds
the tier order, :func:`effective_tier` (highest identity wins), priorities and answer targets.
"""

from emulators.population.generate import EPOCH, generate_population
from emulators.population.model import (
    DRIFT_KINDS,
    KEY_PERSON_ROLES,
    AccountManager,
    HlrRecord,
    Identity,
    Population,
    Service,
    Subscriber,
    hlr_value,
)
from hub.customer_tiers import (
    ANSWER_TARGETS,
    TIER_ORDER,
    AnswerTarget,
    answer_target,
    effective_tier,
    is_account_managed,
    priority_of,
    tier_rank,
    vip_tier,
)

__all__ = [
    "ANSWER_TARGETS",
    "DRIFT_KINDS",
    "EPOCH",
    "KEY_PERSON_ROLES",
    "TIER_ORDER",
    "AccountManager",
    "AnswerTarget",
    "HlrRecord",
    "Identity",
    "Population",
    "Service",
    "Subscriber",
    "answer_target",
    "effective_tier",
    "generate_population",
    "hlr_value",
    "is_account_managed",
    "priority_of",
    "tier_rank",
    "vip_tier",
]
