"""TierCache: tier lookups kept cache_ttl_seconds per MSISDN, at most cache_size of them."""

from __future__ import annotations

import pytest
from lxml import etree

from adapters.boss import TierCache
from adapters.boss.mapping import CustomerTier

pytestmark = pytest.mark.unit


def tier(msisdn: str) -> CustomerTier:
    return CustomerTier(msisdn, "QQT", (), "VIP_GOLD", 1, None, etree.Element("answer"))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_tier_is_kept_for_its_ttl_then_asked_again() -> None:
    clock = Clock()
    cache = TierCache(60, clock=clock)
    kept = tier("13800138000")
    cache.put(kept)
    clock.now += 59
    assert cache.get("13800138000") is kept
    clock.now += 2
    assert cache.get("13800138000") is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_cache_is_bounded_and_a_zero_ttl_keeps_nothing() -> None:
    cache = TierCache(60, size=2)
    for msisdn in ("13800000001", "13800000002", "13800000003"):
        cache.put(tier(msisdn))
    assert len(cache) == 2
    off = TierCache(0)
    off.put(tier("13800138000"))
    assert off.get("13800138000") is None and len(off) == 0
