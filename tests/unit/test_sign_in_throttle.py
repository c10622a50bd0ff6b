"""Failed sign-ins: throttled per (caller, address) and per address, before the credential is checked."""

from __future__ import annotations

import asyncio

import pytest

from hub.security.callers import AuthenticationFailed
from hub.security.throttle import SignInThrottle, SignInThrottled

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **limits: int) -> SignInThrottle:
    options = {"per_caller": 3, "per_address": 10, "window_seconds": 60, **limits}
    return SignInThrottle(clock=clock, **options)  # type: ignore[arg-type]


def fail(guard: SignInThrottle, username: str, address: str) -> None:
    with pytest.raises(AuthenticationFailed), guard.attempt(username, address):
        raise AuthenticationFailed("wrong password")


def succeed(guard: SignInThrottle, username: str, address: str) -> bool:
    with guard.attempt(username, address):
        return True


def test_a_caller_guessing_from_one_address_is_stopped_before_the_check():
    clock, checked = Clock(), []
    guard = throttle(clock)
    for _ in range(3):
        fail(guard, "cs-frontend", "10.0.0.9")
    with pytest.raises(SignInThrottled) as refused, guard.attempt("cs-frontend", "10.0.0.9"):
        checked.append("the password was checked")
    assert checked == []
    assert refused.value.retry_after == 20  # one more guess per window / limit


def test_the_bucket_refills_one_failure_per_interval():
    clock = Clock()
    guard = throttle(clock)
    for _ in range(3):
        fail(guard, "cs-frontend", "10.0.0.9")
    clock.now += 19.5
    with pytest.raises(SignInThrottled) as refused:
        succeed(guard, "cs-frontend", "10.0.0.9")
    assert refused.value.retry_after == 1  # whole seconds, rounded up
    clock.now += 0.5
    fail(guard, "cs-frontend", "10.0.0.9")  # one more try, then throttled again
    with pytest.raises(SignInThrottled):
        succeed(guard, "cs-frontend", "10.0.0.9")


def test_the_same_caller_from_another_address_is_not_affected():
    clock = Clock()
    guard = throttle(clock)
    for _ in range(3):
        fail(guard, "cs-frontend", "10.0.0.9")
    assert succeed(guard, "cs-frontend", "10.0.0.1")
    assert succeed(guard, "oa-portal", "10.0.0.1")


def test_spraying_usernames_from_one_address_is_stopped_per_address():
    clock = Clock()
    guard = throttle(clock)
    for n in range(10):
        fail(guard, f"user-{n}", "10.0.0.9")
    with pytest.raises(SignInThrottled):
        succeed(guard, "someone-new", "10.0.0.9")
    assert succeed(guard, "someone-new", "10.0.0.2")


def test_a_success_does_not_reset_what_others_failed():
    clock = Clock()
    guard = throttle(clock, per_address=4)
    for n in range(3):
        fail(guard, f"user-{n}", "10.0.0.9")
    assert succeed(guard, "cs-frontend", "10.0.0.9")  # its own attempt is refunded, no more
    fail(guard, "user-3", "10.0.0.9")
    with pytest.raises(SignInThrottled):
        succeed(guard, "cs-frontend", "10.0.0.9")


def test_a_success_forgets_its_own_failures():
    clock = Clock()
    guard = throttle(clock)
    fail(guard, "cs-frontend", "10.0.0.9")
    fail(guard, "cs-frontend", "10.0.0.9")
    assert succeed(guard, "cs-frontend", "10.0.0.9")
    for _ in range(3):  # a full burst again
        fail(guard, "cs-frontend", "10.0.0.9")
    with pytest.raises(SignInThrottled):
        succeed(guard, "cs-frontend", "10.0.0.9")


def test_concurrent_guesses_are_charged_before_the_check():
    clock = Clock()
    guard = throttle(clock)
    attempts = [guard.attempt("cs-frontend", "10.0.0.9") for _ in range(4)]
    for attempt in attempts[:3]:
        attempt.__enter__()  # three checks in flight (e.g. scrypt in threads)
    with pytest.raises(SignInThrottled):
        attempts[3].__enter__()


def test_an_error_that_is_not_a_failed_sign_in_is_not_counted():
    clock = Clock()
    guard = throttle(clock, per_caller=1)
    for _ in range(3):
        with pytest.raises(OSError, match="broke"), guard.attempt("cs-frontend", "10.0.0.9"):
            raise OSError("the check itself broke")
    assert succeed(guard, "cs-frontend", "10.0.0.9")


def test_failures_found_without_hashing_count_too():
    clock = Clock()
    guard = throttle(clock, per_caller=2)
    guard.failed("", "10.0.0.9")
    guard.failed("", "10.0.0.9")
    with pytest.raises(SignInThrottled):
        guard.failed("", "10.0.0.9")


def test_memory_is_bounded_least_recently_failed_first():
    clock = Clock()
    guard = SignInThrottle(per_caller=1, per_address=1, window_seconds=60, max_tracked=100, clock=clock)
    for n in range(1000):
        fail(guard, f"user-{n}", f"10.0.{n // 250}.{n % 250}")
    assert guard.tracked() == 200
    with pytest.raises(SignInThrottled):  # the latest are still remembered
        succeed(guard, "user-999", "10.0.3.249")


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        SignInThrottle(per_caller=0)


def test_a_throttled_refusal_is_held_for_the_delay_while_few_are_held(monkeypatch):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    guard = SignInThrottle(refusal_delay=1.5, max_held=1)
    asyncio.run(guard.hold())
    assert slept == [1.5]
    guard._held = 1  # one refusal already waiting: the next is answered at once
    asyncio.run(guard.hold())
    assert slept == [1.5]
    asyncio.run(SignInThrottle(refusal_delay=0).hold())
    assert slept == [1.5]


def test_costly_checks_of_one_address_run_one_at_a_time():
    guard = SignInThrottle()
    running: list[str] = []
    overlaps: list[list[str]] = []

    async def check(address: str, name: str) -> None:
        async with guard.one_at_a_time(address):
            running.append(name)
            overlaps.append(list(running))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            running.remove(name)

    async def main() -> None:
        await asyncio.gather(check("10.0.0.9", "a"), check("10.0.0.9", "b"), check("10.0.0.1", "c"))

    asyncio.run(main())
    assert ["a", "b"] not in overlaps and ["b", "a"] not in overlaps  # never both checks of 10.0.0.9
    assert any(len(seen) == 2 for seen in overlaps)  # another address is not held up
    assert guard._checking == {}  # nothing kept once the checks are done


def test_check_refuses_like_an_attempt_but_charges_nothing():
    clock = Clock()
    guard = throttle(clock)
    for _ in range(5):
        guard.check("cs-frontend", "10.0.0.9")
    for _ in range(3):
        fail(guard, "cs-frontend", "10.0.0.9")
    with pytest.raises(SignInThrottled):
        guard.check("cs-frontend", "10.0.0.9")


def test_a_verified_credential_is_refused_only_for_its_own_failures_here():
    clock = Clock()
    guard = throttle(clock, per_address=4)
    for user in ("a", "b", "c", "d"):  # others' failures empty the address's bucket
        guard.failed(user, "10.0.0.9")
    with pytest.raises(SignInThrottled):
        guard.check("oa", "10.0.0.9")
    guard.check_caller("oa", "10.0.0.9")  # the caller's own key is untouched: not refused
    assert guard.tracked() == 5  # nothing charged


def test_a_verified_credential_is_refused_while_it_is_guessed_from_there():
    clock = Clock()
    guard = throttle(clock)
    for _ in range(3):
        fail(guard, "oa", "10.0.0.9")
    with pytest.raises(SignInThrottled) as refused:
        guard.check_caller("oa", "10.0.0.9")
    assert refused.value.retry_after == 20
    guard.check_caller("oa", "10.0.0.10")  # from elsewhere: not touched
    clock.now += 20
    guard.check_caller("oa", "10.0.0.9")
