"""``TierCache``: recent tier lookups by MSISDN, for ``cache_ttl_seconds`` (bounded; thread-safe).

A customer's tier changes rarely (a new VIP card, joining a group) and complaint front ends look the same
customer up several times per call (IVR, agent screen, work order). The cache holds BOSS's answer, not the
caller's: every hit is answered with the caller's own Ack.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

from adapters.boss.mapping import CustomerTier

__all__ = ["TierCache"]


class TierCache:
    """At most ``size`` tiers, each kept ``ttl`` seconds; ``ttl`` 0 caches nothing."""

    def __init__(self, ttl: float, size: int = 100_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._cache: TTLCache[str, CustomerTier] | None = (
            TTLCache(maxsize=size, ttl=ttl, timer=clock) if ttl > 0 else None)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, msisdn: str) -> CustomerTier | None:
        if self._cache is None:
            self.misses += 1
            return None
        with self._lock:
            found = self._cache.get(msisdn)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found

    def put(self, tier: CustomerTier) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache[tier.msisdn] = tier

    def clear(self) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache.clear()

    def __len__(self) -> int:
        if self._cache is None:
            return 0
        with self._lock:
            return len(self._cache)
