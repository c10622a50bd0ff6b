"""What a 406 to a declaration is read as, and the refusal's wording (audit 3, repro 5)."""

from __future__ import annotations

import pytest

from hub.transport.amqp.inequivalence import broker_arguments, describe, read_refusal

pytestmark = pytest.mark.unit

REFUSED = ("PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for queue 'onepoint.boss' in vhost '/': "
           "received '5' but current is '10'")


def test_a_refusal_is_read_back_with_both_values_typed_as_ours() -> None:
    mismatch, theirs = read_refusal("queue onepoint.boss", REFUSED, {"x-delivery-limit": 5})
    assert (mismatch.argument, mismatch.broker, mismatch.ours, theirs) == ("x-delivery-limit", "10", "5", 10)
    assert broker_arguments({"x-delivery-limit": 5, "x-queue-type": "quorum"}, {"x-delivery-limit": theirs}) == {
        "x-delivery-limit": 10, "x-queue-type": "quorum"}
    unset, none = read_refusal("queue onepoint.boss", "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for "
                               "queue 'onepoint.boss' in vhost '/': received '7' but current is none", {})
    assert (unset.broker, none) == (None, None)
    assert broker_arguments({"x-max-length": 7}, {"x-max-length": None}) == {}


def test_the_refusal_names_each_difference_and_the_ways_forward() -> None:
    boss, _ = read_refusal("queue onepoint.boss", REFUSED, {"x-delivery-limit": 5})
    other, _ = read_refusal("exchange onepoint.commands", "PRECONDITION_FAILED - inequivalent arg 'type' for "
                            "exchange 'onepoint.commands' in vhost '/': received 'topic' but current is 'direct'", {})
    text = describe("onepoint", [other, boss])
    assert "2 queue(s) or exchange(s) differ" in text
    assert ("queue onepoint.boss: x-delivery-limit is 10 on the broker, 5 in the settings ([broker] delivery_limit)"
            in text)
    assert "exchange onepoint.commands: type is direct on the broker, topic in the settings (fixed by" in text
    assert "rabbitmqctl delete_queue onepoint.boss" in text and "new [broker] prefix" in text
    assert "x-delivery-limit: [broker] delivery_limit = 10" in text
