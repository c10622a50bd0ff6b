"""Retries: one owner per layer, and a bound on the total number of handler attempts.

1. **In-process** (tenacity, owned by ``run_with_retries``): a transient failure is retried right away
   inside the same delivery, ``RetryPolicy.attempts`` times at most (default 3), with exponential backoff
   and full jitter (``wait_random_exponential``: a random wait in ``[0, min(max_backoff, initial * 2**n))``),
   stopping early rather than letting the waits exceed ``max_delay`` (default 10 s) in total.
2. **Broker delay tiers** (owned by the ``Worker``): when the in-process attempts are used up, the message
   is published to the next delay tier (``TopologyConfig.delay_tiers``, default 5 s, 30 s, 5 min; the tier
   index is the message's ``x-retry-count``) and comes back to the same queue after the tier's TTL, where
   layer 1 starts again.
3. **DLQ**: after the last tier, or at once for a permanent failure, the Worker publishes the message to
   its consumer's DLQ with the reason, attempts and first/last failure times, then acks it.

**Bound**: a message gets at most ``attempts × (1 + len(delay_tiers))`` handler attempts; with the defaults
``3 × (1 + 3) = 12`` (see ``max_total_attempts``; enforced by tests/unit/workers/test_retry_bound.py).
This counts attempts that end (return or raise), except held-back ones (``CallsHeldBack``: the system was
not called). A process that *dies* mid-attempt gets its message
redelivered by the broker; those redeliveries are bounded separately by the queue's ``x-delivery-limit``
(RabbitMQ then dead-letters with reason ``delivery_limit``). A claim that another worker holds
(``ClaimBusyError``) is not an attempt: the copy waits in the first tier until the claim is finished or its
lease expires. Neither is a held-back call (``CallsHeldBack``, e.g. an open circuit): it is not retried
in-process, and the copy waits in the delay tier nearest its ``retry_in`` without counting a trip (see
``hub.workers.waiting``), so an outage of any length burns no retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from hub.workers.classify import Classifier

__all__ = ["RetryPolicy", "max_total_attempts", "run_with_retries"]

log = logging.getLogger("onepoint.worker")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Layer 1 (in-process) settings. Tests use ``initial=0`` or an injected ``sleep``."""

    attempts: int = 3
    initial: float = 0.2  # seconds: the first wait is random in [0, initial)
    max_backoff: float = 5.0  # cap of one wait
    max_delay: float = 10.0  # cap of the waits' total within one delivery (keep it well under the claim lease)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if min(self.initial, self.max_backoff, self.max_delay) < 0:
            raise ValueError("RetryPolicy delays must not be negative")


def max_total_attempts(policy: RetryPolicy, tiers: int) -> int:
    """The most handler attempts one message can get: in-process attempts for the first delivery and
    for each return from one of ``tiers`` delay tiers."""
    return policy.attempts * (1 + tiers)


def run_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    classifier: Classifier,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException], None] | None = None,
    on_attempt: Callable[[int], None] | None = None,
) -> T:
    """Call ``fn`` until it returns, fails permanently, or the policy gives up; re-raise the last error.

    ``on_attempt(n)`` runs before attempt ``n`` (1-based); ``on_retry(n, exc)`` after a transient failure
    of attempt ``n`` that will be retried in-process.
    """

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        if exc is not None:
            log.info(
                "transient failure; retrying in-process",
                extra={"attempt": state.attempt_number, "wait": round(state.upcoming_sleep, 3),
                       "error": classifier(exc).reason},
            )
            if on_retry is not None:
                on_retry(state.attempt_number, exc)

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.max_delay),
        wait=wait_random_exponential(multiplier=policy.initial, max=policy.max_backoff),
        retry=retry_if_exception(lambda exc: classifier(exc).retried_now),
        reraise=True,
        sleep=sleep,
        before_sleep=before_sleep,
    )
    for attempt in retrying:
        with attempt:
            if on_attempt is not None:
                on_attempt(attempt.retry_state.attempt_number)
            return fn()
    raise AssertionError("unreachable: tenacity either returns, or re-raises the last error")  # pragma: no cover
