"""The confirm ledger shared by both publishers: tags, multiple acks, returns, resends."""

from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest

from hub.transport.amqp.ledger import ConfirmLedger, PendingPublish
from hub.transport.amqp.outbox import RECOVERY_GRACE, Outbox
from hub.transport.amqp.properties import to_properties
from hub.transport.errors import UnroutableError
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


class FakeChannel:
    def __init__(self) -> None:
        self.published: list[str | None] = []

    def basic_publish(self, exchange, routing_key, body, properties, mandatory) -> None:
        self.published.append(properties.message_id)


def outbox_with_one_sent(now: float, *, after_reconnect: bool, connection: bool = True):
    outbox = Outbox(8, prune_on_ack=True)
    channel = FakeChannel()
    if after_reconnect:
        outbox.channel_lost("lost", connection=connection)
    outbox.opened(now)
    message = Message(b"", routing_key="k", message_id="m1")
    p = PendingPublish("x", message, to_properties(message), True, Future(), deadline=now + 30)
    outbox.add(p)
    outbox.send(channel)
    outbox.returned("x", "k", "m1")
    return outbox, channel, p


def test_a_return_is_unroutable_at_once_on_a_connection_that_was_never_lost():
    outbox, _, p = outbox_with_one_sent(100.0, after_reconnect=False)
    assert outbox.confirmed(1, multiple=False, ack=True, now=101.0) is False
    assert isinstance(p.future.exception(), UnroutableError)


def test_a_return_soon_after_a_reconnect_is_sent_again_until_the_grace_ends():
    outbox, channel, p = outbox_with_one_sent(100.0, after_reconnect=True)
    assert outbox.confirmed(1, multiple=False, ack=True, now=101.0) is True  # recycle the channel, send again
    assert not p.future.done() and list(outbox.waiting) == [p] and outbox.resent == 1
    outbox.ledger.new_channel()
    outbox.opened(101.5)  # the recycled channel: no new grace
    outbox.send(channel)
    assert channel.published == ["m1", "m1"]
    assert outbox.confirmed(1, multiple=False, ack=True, now=102.0) is False  # routed this time
    assert p.future.result() is None


def test_after_the_grace_or_at_the_deadline_a_returned_publish_is_unroutable():
    outbox, _, p = outbox_with_one_sent(100.0, after_reconnect=True)
    assert outbox.confirmed(1, multiple=False, ack=True, now=100.0 + RECOVERY_GRACE + 1) is False
    assert isinstance(p.future.exception(), UnroutableError)

    outbox, _, p = outbox_with_one_sent(100.0, after_reconnect=True)
    assert outbox.confirmed(1, multiple=False, ack=True, now=101.0) is True
    outbox.expire(131.0)  # its deadline: the error says what the broker did
    assert isinstance(p.future.exception(), UnroutableError)


def test_a_channel_closed_on_a_live_connection_starts_no_grace():
    outbox, _, p = outbox_with_one_sent(100.0, after_reconnect=True, connection=False)
    assert outbox.confirmed(1, multiple=False, ack=True, now=101.0) is False
    assert isinstance(p.future.exception(), UnroutableError)
