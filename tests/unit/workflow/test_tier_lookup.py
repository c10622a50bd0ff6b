"""The workflow's tier lookup: BOSS's answer cached; BOSS silent → ordinary limits within the lookup's own timeout,
and the next work orders not held up by asking again at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from hub.validation import schema_directory
from hub.workflow.tiers import TierLookup

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class Boss:
    """A ``Sender`` standing for the route to BOSS: answers, or times out, and notes each request's timeout."""

    def __init__(self, answer: bytes | None) -> None:
        self.answer = answer
        self.timeouts: list[float | None] = []

    def request(self, document: bytes | etree._Element, *, step: str, timeout: float | None = None) -> bytes:
        self.timeouts.append(timeout)
        if self.answer is None:
            raise TimeoutError(f"no reply in {timeout} s")
        return self.answer


def tier_answer() -> bytes:
    with schema_directory() as directory:
        return Path(directory, "examples/boss/responses/QueryCustomerTierResponse.xml").read_bytes()


def test_boss_answers_once_and_the_tier_is_cached() -> None:
    boss, lookup = Boss(tier_answer()), TierLookup(timeout=3.0)
    first = lookup.facts("13800138000", boss, NOW)  # type: ignore[arg-type]
    again = lookup.facts("13800138000", boss, NOW)  # type: ignore[arg-type]
    assert first.known and first.tier and again == first
    assert boss.timeouts == [3.0]


def test_boss_silent_ordinary_limits_then_no_waiting_until_the_pause_is_over() -> None:
    clock = [100.0]
    boss = Boss(None)
    lookup = TierLookup(timeout=3.0, pause=30.0, clock=lambda: clock[0])
    first = lookup.facts("13800138000", boss, NOW)  # type: ignore[arg-type]
    assert not first.known and first.tier is None and "ordinary time limits" in first.note
    assert boss.timeouts == [3.0]  # the lookup's own bound, not the route's 10 s
    clock[0] += 10
    second = lookup.facts("13900139000", boss, NOW)  # type: ignore[arg-type]
    assert not second.known and "not asked again yet" in second.note and boss.timeouts == [3.0]
    clock[0] += 21
    boss.answer = tier_answer()  # BOSS is back: asked again once the pause is over
    third = lookup.facts("13900139000", boss, NOW)  # type: ignore[arg-type]
    assert third.known and boss.timeouts == [3.0, 3.0]
    assert (lookup.asked, lookup.unanswered) == (2, 2)


def error_answer(code: str) -> bytes:
    return (f'<c:Error xmlns:c="urn:onepoint:common:1"><c:Code>{code}</c:Code>'
            f"<c:Message>{code}</c:Message></c:Error>").encode()


def test_an_unknown_number_is_another_networks_caller_but_any_other_error_is_no_tier() -> None:
    lookup = TierLookup(timeout=3.0, pause=30.0, clock=lambda: 0.0)
    unknown = lookup.facts("13800138000", Boss(error_answer("subscriber-not-found")), NOW)  # type: ignore[arg-type]
    assert unknown.known and unknown.tier == "OTHER_BRAND"
    for code in ("dead-lettered", "message-id-reused"):  # BOSS's side failed: not a tier, not cached
        lookup = TierLookup(timeout=3.0, pause=30.0, clock=lambda: 0.0)
        failed = lookup.facts("13900139000", Boss(error_answer(code)), NOW)  # type: ignore[arg-type]
        assert not failed.known and failed.tier is None and lookup.cached("13900139000") is None


def test_boss_refusing_one_numbers_lookup_does_not_pause_the_next_work_orders_lookups() -> None:
    """A Client fault for one customer's record (the request dead-lettered) is BOSS answering, not an outage: that
    work order takes ordinary limits, and a VIP calling right after is asked of BOSS as usual."""
    lookup = TierLookup(timeout=3.0, pause=30.0, clock=lambda: 100.0)
    refused = lookup.facts("13800138000", Boss(error_answer("dead-lettered")), NOW)  # type: ignore[arg-type]
    assert not refused.known and refused.tier is None and "ordinary time limits" in (refused.note or "")
    assert not lookup.paused
    boss = Boss(tier_answer())
    vip = lookup.facts("13900139000", boss, NOW)  # type: ignore[arg-type]
    assert vip.known and vip.tier == "VIP_GOLD" and boss.timeouts == [3.0]


def test_boss_said_to_be_unavailable_pauses_the_lookups_as_a_timeout_does() -> None:
    lookup = TierLookup(timeout=3.0, pause=30.0, clock=lambda: 100.0)
    down = lookup.facts("13800138000", Boss(error_answer("system-unavailable")), NOW)  # type: ignore[arg-type]
    assert not down.known and lookup.paused


class SlowBoss(Boss):
    """BOSS answering every lookup in ``seconds``: a request waiting less gets no reply (no real time passes)."""

    def __init__(self, answer: bytes, seconds: float, route_timeout: float = 10.0) -> None:
        super().__init__(answer)
        self.seconds, self.route_timeout = seconds, route_timeout

    def request(self, document: bytes | etree._Element, *, step: str, timeout: float | None = None) -> bytes:
        self.timeouts.append(timeout)
        if (timeout or self.route_timeout) < self.seconds:  # None: the route's reply timeout, as the outbound path
            raise TimeoutError(f"no reply in {timeout} s")
        return self.answer or b""


def test_the_recheck_question_waits_the_routes_reply_timeout_not_the_intakes_bound() -> None:
    """BOSS slow but working (4.5 s, within the adapter's 10 s): a new work order gives up at 3 s (a caller is on
    the line), the recheck's question gets the tier."""
    boss, lookup = SlowBoss(tier_answer(), seconds=4.5), TierLookup(timeout=3.0, pause=0.0)
    assert not lookup.facts("13800138000", boss, NOW).known  # type: ignore[arg-type]
    asked = lookup.ask("13800138000", boss, NOW)  # type: ignore[arg-type]
    assert asked.known and asked.tier == "VIP_GOLD"
    assert boss.timeouts == [3.0, None]  # None: the route's reply_timeout


def test_boss_refusing_the_customer_is_no_tier_ordinary_limits_and_no_pause() -> None:
    """``boss-refused`` (BOSS's Client fault for this customer, say a frozen account): BOSS knows the number, so
    it is not another network's caller (OTHER_BRAND), and it answered, so no outage pauses the next lookups."""
    lookup = TierLookup(timeout=3.0, pause=30.0, clock=lambda: 0.0)
    refused = lookup.facts("13800138000", Boss(error_answer("boss-refused")), NOW)  # type: ignore[arg-type]
    assert not refused.known and refused.tier is None and refused.note and "boss-refused" in refused.note
    assert not lookup.paused and lookup.cached("13800138000") is None
