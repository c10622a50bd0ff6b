"""Failed sign-ins throttled per caller and per client address, before any password is hashed.

Each key holds a token bucket of failures (GCRA: one timestamp per key): ``limit`` failures may come at once,
then one more every ``window / limit`` seconds. Two keys are charged per attempt: (username, address), so that
guessing one caller's password from one place stops after a few tries, and the address alone, so that
spraying many usernames from one place stops too. A caller with the right credentials from another address
is never touched; a successful sign-in refunds its own charge and forgets its own (username, address) key
only. A password verified without the throttle (a Basic pair verified before, a WS-Security digest: both cheap
to check) is refused only while its own (username, address) key is over its limit
(`SignInThrottle.check_caller`): other callers' failures at a shared address (a NAT, a proxy) do not lock it
out, and a guessed password still learns nothing. A bearer token (a random secret, checked by its digest) is
not throttled when valid; an invalid one counts against its address. Memory is bounded: the least recently
failed keys are forgotten first, and a key is a fixed-size digest of the username with the address (a
client's username of any length costs the same few bytes).

The costly checks of one address run one at a time (`SignInThrottle.one_at_a_time`): a burst of guesses
takes one core, not all of them, and callers that sign in at once with the same new credentials pay once.
A throttled refusal is answered after ``refusal_delay`` seconds (`SignInThrottle.hold`): a flood that ignores
``Retry-After`` then sends one request per connection and delay instead of as many as the hub can refuse
(bench/README.md, ``auth_flood.py``). At most ``max_held`` refusals wait at once; beyond, they are answered
at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager

from hub.security.callers import AuthenticationFailed

__all__ = ["SignInThrottle", "SignInThrottled"]


class SignInThrottled(Exception):
    """Too many failed sign-ins for this caller or this address: refused without checking the password."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))  # whole seconds, as ``Retry-After`` carries them
        super().__init__(f"too many failed sign-ins: retry after {self.retry_after} s")


def _pair(username: str, address: str) -> tuple[bytes, str]:
    """The (username, address) key: the username as a 16-byte digest, whatever its length (the address is the
    connection's, short)."""
    return hashlib.blake2b(username.encode("utf-8", "surrogatepass"), digest_size=16).digest(), address


class _Buckets:
    """GCRA buckets of one key space, least recently charged first."""

    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self.interval = window / limit
        self.burst = window  # the bucket is empty when its time runs this far ahead of now
        self.max_keys = max_keys
        self._due: OrderedDict[Hashable, float] = OrderedDict()

    def wait(self, key: Hashable, now: float) -> float:
        """Seconds until ``key`` may fail once more (0: it may now)."""
        due = self._due.get(key)
        return 0.0 if due is None else max(0.0, due + self.interval - self.burst - now)

    def charge(self, key: Hashable, now: float) -> None:
        self._due[key] = max(self._due.get(key, now), now) + self.interval
        self._due.move_to_end(key)
        while len(self._due) > self.max_keys:
            self._due.popitem(last=False)

    def refund(self, key: Hashable, now: float) -> None:
        due = self._due.get(key)
        if due is not None:
            if due - self.interval <= now:
                del self._due[key]
            else:
                self._due[key] = due - self.interval

    def forget(self, key: Hashable) -> None:
        self._due.pop(key, None)

    def __len__(self) -> int:
        return len(self._due)


class SignInThrottle:
    """Guards the costly check of a credential: ``with throttle.attempt(username, address): verify(...)``.

    The attempt is charged before the check (so that concurrent guesses cannot all reach the hash) and
    refunded when the check succeeds. `SignInThrottled` is raised before the check once a bucket is empty.
    """

    def __init__(
        self, *, per_caller: int = 5, per_address: int = 20, window_seconds: float = 60.0,
        max_tracked: int = 10_000, refusal_delay: float = 0.0, max_held: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_caller < 1 or per_address < 1 or window_seconds <= 0 or max_tracked < 1:
            raise ValueError("sign-in throttle limits, window and size must be positive")
        if refusal_delay < 0 or max_held < 0:
            raise ValueError("the refusal delay and the number of held refusals cannot be negative")
        self.refusal_delay = refusal_delay
        self.max_held = max_held
        self._held = 0
        self._checking: dict[str, tuple[asyncio.Lock, int]] = {}  # address → its lock and how many want it
        self._callers = _Buckets(per_caller, window_seconds, max_tracked)
        self._addresses = _Buckets(per_address, window_seconds, max_tracked)
        self._clock = clock
        self._lock = threading.Lock()

    @asynccontextmanager
    async def one_at_a_time(self, address: str) -> AsyncIterator[None]:
        """Run the block after every other costly check of ``address`` has finished (event loop only)."""
        lock, users = self._checking.get(address) or (asyncio.Lock(), 0)
        self._checking[address] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._checking[address]
            if users == 1:
                del self._checking[address]
            else:
                self._checking[address] = (lock, users - 1)

    async def hold(self) -> None:
        """Wait ``refusal_delay`` before a throttled refusal is answered (at once when ``max_held`` wait)."""
        if self.refusal_delay <= 0 or self._held >= self.max_held:
            return
        self._held += 1  # only the event loop's thread holds refusals: no lock needed
        try:
            await asyncio.sleep(self.refusal_delay)
        finally:
            self._held -= 1

    def tracked(self) -> int:
        """How many keys are remembered (bounded by twice ``max_tracked``)."""
        return len(self._callers) + len(self._addresses)

    def check(self, username: str, address: str) -> None:
        """`SignInThrottled` if an attempt of ``username`` from ``address`` would be refused now (charges nothing)."""
        with self._lock:
            now = self._clock()
            wait = max(self._callers.wait(_pair(username, address), now), self._addresses.wait(address, now))
        if wait > 0:
            raise SignInThrottled(wait)

    def check_caller(self, username: str, address: str) -> None:
        """`SignInThrottled` if ``username`` failed too often from ``address`` (charges nothing). For a
        credential already verified: the address's failures, others' too, do not count here."""
        with self._lock:
            wait = self._callers.wait(_pair(username, address), self._clock())
        if wait > 0:
            raise SignInThrottled(wait)

    @contextmanager
    def attempt(self, username: str, address: str) -> Iterator[None]:
        """Charge one attempt of ``username`` from ``address``; refund it unless the block raises
        `AuthenticationFailed`. Raises `SignInThrottled` (and runs nothing) when either bucket is empty."""
        pair = _pair(username, address)
        with self._lock:
            now = self._clock()
            wait = max(self._callers.wait(pair, now), self._addresses.wait(address, now))
            if wait > 0:
                raise SignInThrottled(wait)
            self._callers.charge(pair, now)
            self._addresses.charge(address, now)
        try:
            yield
        except AuthenticationFailed:
            raise
        except BaseException:  # not a failed sign-in (e.g. a crash): the attempt does not count
            self._refund(pair, address)
            raise
        with self._lock:
            self._callers.forget(pair)
            self._addresses.refund(address, self._clock())

    def failed(self, username: str, address: str) -> None:
        """Count a failure found without hashing (an unknown bearer token); `SignInThrottled` instead when
        the caller or the address is already over its limit."""
        pair = _pair(username, address)
        with self._lock:
            now = self._clock()
            wait = max(self._callers.wait(pair, now), self._addresses.wait(address, now))
            if wait > 0:
                raise SignInThrottled(wait)
            self._callers.charge(pair, now)
            self._addresses.charge(address, now)

    def _refund(self, pair: tuple[bytes, str], address: str) -> None:
        with self._lock:
            now = self._clock()
            self._callers.refund(pair, now)
            self._addresses.refund(address, now)
