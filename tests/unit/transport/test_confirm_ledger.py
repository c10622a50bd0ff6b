"""The confirm ledger shared by both publishers: tags, multiple acks, returns, resends."""

from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest

from hub.transport.amqp.ledger import ConfirmLedger
from hub.transport.message import Message

pytestmark = pytest.mark.unit


@dataclass(eq=False)
class Publish:
    message: Message
    exchange: str = "x"
    returned: bool = False
    future: Future = field(default_factory=Future)


def sent(ledger, *ids):
    publishes = [Publish(Message(b"", routing_key="k", message_id=i)) for i in ids]
    for p in publishes:
        ledger.sent(p)
    return publishes


def test_single_and_multiple_confirms_settle_the_right_tags():
    ledger = ConfirmLedger()
    a, b, c, d = sent(ledger, "a", "b", "c", "d")
    assert ledger.confirmed(2, multiple=False) == [b]
    assert ledger.confirmed(3, multiple=True) == [a, c]  # every older tag still in flight
    assert len(ledger) == 1
    assert ledger.confirmed(4, multiple=False) == [d]
    assert ledger.confirmed(4, multiple=False) == []  # a repeated confirm settles nothing


def test_a_return_flags_the_oldest_matching_publish():
    ledger = ConfirmLedger()
    first, second = sent(ledger, "same", "same")
    assert ledger.mark_returned("x", "k", "same")
    assert (first.returned, second.returned) == (True, False)
    assert ledger.mark_returned("x", "k", "same")
    assert second.returned
    assert not ledger.mark_returned("x", "k", "same")
    assert not ledger.mark_returned("other", "k", "none")


def test_channel_loss_hands_back_the_unconfirmed_oldest_first_and_tags_restart():
    ledger = ConfirmLedger()
    a, b, c = sent(ledger, "a", "b", "c")
    b.future.set_result(None)  # settled meanwhile (e.g. failed by its deadline): not resent
    assert ledger.take_unconfirmed() == [a, c]
    assert len(ledger) == 0
    ledger.new_channel()
    (d,) = sent(ledger, "d")
    assert ledger.confirmed(1, multiple=False) == [d]
