"""The nonces of accepted WS-Security UsernameTokens, each remembered until its token expires.

`NonceStore` is where: `NonceCache` is this process's memory (bounded in all and per username; full of live
nonces, a new token is refused with `NonceCacheFull`, fail closed, rather than a live nonce forgotten), and a
store several hub processes share lives above this library (``hub.security.nonces``). `SecurityTokenRefused` is
every refusal of a token, `NonceCacheFull` among them.
"""

from __future__ import annotations

import heapq
import math
import threading
from typing import Protocol

__all__ = ["NonceCache", "NonceCacheFull", "NonceStore", "SecurityTokenRefused"]


class SecurityTokenRefused(Exception):
    """The UsernameToken does not authenticate anyone. ``code`` is the WSS fault code (``wsse:<code>``)."""

    def __init__(self, reason: str, code: str = "FailedAuthentication", *, username: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.username = username


class NonceCacheFull(SecurityTokenRefused):
    """A valid token whose nonce cannot be remembered: the cache (``scope="cache"``) or this username's share of
    it (``scope="caller"``) is full of nonces still inside their window. Not a wrong password: the token may be
    sent again (with a new nonce) after ``retry_after`` seconds, when the first nonce of the cache expires (for a
    caller's full share, a lower bound of when one of its own does). A consumer
    that does not tell it apart refuses it as any other token (fail closed)."""

    def __init__(self, caller: str, scope: str, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))  # whole seconds, as ``Retry-After`` carries them
        super().__init__(f"too many recent WS-Security tokens to remember another nonce ({scope} limit); "
                         f"retry after {self.retry_after} s")  # said by the hub's ingress and the emulators alike
        self.caller = caller
        self.scope = scope


class NonceStore(Protocol):
    """Where accepted tokens' nonces are remembered until their tokens expire. ``blocking``: a call may wait for
    I/O (a database), so an event loop calls it on a worker thread."""

    @property
    def blocking(self) -> bool: ...

    def check_and_add(self, username: str, nonce: bytes, now: float, expires_at: float | None = None) -> bool:
        """True when ``nonce`` of ``username`` is new (now remembered until ``expires_at``); False for a replay.
        May raise `NonceCacheFull` (a valid token that cannot be remembered now)."""
        ...


class NonceCache:
    """The nonces of accepted tokens, each until its token expires: at most ``max_entries`` in all and
    ``max_per_user`` per username (default: no share smaller than the whole).

    Expired nonces are forgotten first (a heap by expiry); a live one never is. `check_and_add` raises
    `NonceCacheFull` when a bound is reached by live nonces only.
    """

    blocking = False  # memory only: called where the token is checked

    def __init__(self, window_seconds: int, max_entries: int, max_per_user: int | None = None) -> None:
        if max_entries < 1 or (max_per_user is not None and max_per_user < 1):
            raise ValueError("the nonce cache's sizes must be positive")
        self.window = window_seconds
        self.max_entries = max_entries
        self.max_per_user = max_entries if max_per_user is None else min(max_per_user, max_entries)
        self._by_user: dict[str, dict[bytes, float]] = {}  # username → nonce → expiry
        self._expiries: list[tuple[float, str, bytes]] = []  # a heap: the next nonce to expire first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiries)

    def held_by(self, username: str) -> int:
        """How many live nonces of ``username`` are remembered."""
        return len(self._by_user.get(username, ()))

    def check_and_add(self, username: str, nonce: bytes, now: float, expires_at: float | None = None) -> bool:
        """True when this nonce is new (and now remembered until ``expires_at``, by default twice the window
        from now); False for a replay. `NonceCacheFull` when it cannot be remembered without forgetting a live
        nonce."""
        expires_at = now + 2 * self.window if expires_at is None else expires_at
        with self._lock:
            self._forget_expired(now)
            held = self._by_user.get(username)
            if held is not None and nonce in held:
                return False
            if held is not None and len(held) >= self.max_per_user:  # the cache's first expiry: a lower bound of
                raise NonceCacheFull(username, "caller", self._expiries[0][0] - now)  # this caller's, found in O(1)
            if len(self._expiries) >= self.max_entries:
                raise NonceCacheFull(username, "cache", self._expiries[0][0] - now)
            self._by_user.setdefault(username, {})[nonce] = expires_at
            heapq.heappush(self._expiries, (expires_at, username, nonce))
            return True

    def _forget_expired(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] < now:
            _, username, nonce = heapq.heappop(self._expiries)
            held = self._by_user[username]
            del held[nonce]
            if not held:
                del self._by_user[username]
