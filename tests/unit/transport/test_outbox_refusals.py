"""The `Outbox`'s answers that say what the broker did: a full queue's nack at once, the failover nack resent,
a blocked connection's in-flight publishes and expired ones as outcome unknown, never "nothing stored"."""

from concurrent.futures import Future

import pytest

from hub.transport import Topology, TopologyConfig
from hub.transport.amqp.bounded import BoundedQueues
from hub.transport.amqp.ledger import PendingPublish
from hub.transport.amqp.outbox import SUSPECT_AFTER, Outbox
from hub.transport.amqp.properties import to_properties
from hub.transport.errors import (
    PublishNackedError,
    PublishOutcomeUnknownError,
    PublishTimeoutError,
    QueueFullError,
)
from hub.transport.message import Message

pytestmark = pytest.mark.unit

CONFIG = TopologyConfig(prefix="t", consumers=("workflow", "boss", "bulletin"), max_length=3)


class FakeChannel:
    def __init__(self) -> None:
        self.published: list[str | None] = []

    def basic_publish(self, exchange, routing_key, body, properties, mandatory) -> None:
        self.published.append(properties.message_id)


def pending(exchange: str, key: str, mid: str, deadline: float = 130.0) -> PendingPublish:
    message = Message(b"", routing_key=key, message_id=mid)
    return PendingPublish(exchange, message, to_properties(message), True, Future(), deadline)


def sent_outbox(*publishes: PendingPublish, config: TopologyConfig = CONFIG, opened: float = 100.0) -> Outbox:
    outbox = Outbox(8, prune_on_ack=True, bounded=BoundedQueues(Topology.build(config)))
    outbox.opened(opened)
    for p in publishes:
        outbox.add(p)
    outbox.send(FakeChannel())
    return outbox


def test_bounded_queues_are_the_consumer_queues_with_a_max_length_a_publish_reaches():
    bounded = BoundedQueues(Topology.build(CONFIG))
    assert bounded("t.commands", "workflow.nsp.NetworkComplaintReply") == ("t.workflow",)
    assert bounded("t.commands", "nobody.x.Y") == ()
    assert bounded("t.broadcast", "") == ("t.bulletin", "t.workflow")
    assert bounded("", "t.boss") == ("t.boss",) and bounded("", "t.boss.dlq") == ()
    assert bounded("t.delay.5s", "t.boss") == ()  # the delay tiers have no max length
    assert not BoundedQueues(Topology.build(TopologyConfig(prefix="t")))  # no max_queue_length: none


def test_a_nack_from_a_full_queue_fails_that_publish_at_once_and_keeps_the_channel():
    full = pending("t.commands", "workflow.nsp.NetworkComplaintReply", "m1")
    other = pending("t.commands", "boss.boss.QueryCustomerTier", "m2")
    outbox = sent_outbox(full, other)
    assert outbox.confirmed(1, multiple=False, ack=False, now=101.0) is False  # no recycle
    error = full.future.exception()
    assert isinstance(error, QueueFullError) and isinstance(error, PublishNackedError)
    assert "queue t.workflow is full" in str(error)
    assert not other.future.done() and not outbox.waiting and outbox.resent == 0
    assert outbox.confirmed(2, multiple=False, ack=True, now=101.1) is False
    assert other.future.result() is None


def test_a_channel_that_keeps_nacking_full_queues_is_recycled_only_once_it_is_old():
    outbox = sent_outbox(pending("t.commands", "workflow.a.B", "m1"), pending("t.commands", "workflow.a.B", "m2"))
    assert outbox.confirmed(1, multiple=False, ack=False, now=100.0 + SUSPECT_AFTER - 1) is False
    assert outbox.confirmed(2, multiple=False, ack=False, now=100.0 + SUSPECT_AFTER + 1) is True


def test_a_nack_with_no_full_queue_is_resent_on_a_new_channel_with_a_growing_pause():
    p = pending("t.commands", "workflow.a.B", "m1")
    outbox = sent_outbox(p, config=TopologyConfig(prefix="t", consumers=("workflow",)))  # no max length
    assert outbox.confirmed(1, multiple=False, ack=False, now=101.0) is True
    assert list(outbox.waiting) == [p] and not p.future.done()
    first = outbox.recycle_pause(0.2)
    outbox.ledger.new_channel()
    outbox.send(FakeChannel())
    assert outbox.confirmed(1, multiple=False, ack=False, now=101.5) is True
    assert outbox.recycle_pause(0.2) > first
    outbox.waiting.clear()
    outbox.expire(200.0)
    assert isinstance(p.future.exception(), PublishNackedError)


def test_publishes_in_flight_when_the_broker_blocks_are_failed_as_outcome_unknown_at_once():
    a, b = pending("t.commands", "boss.a.B", "m1"), pending("t.commands", "boss.a.B", "m2")
    outbox = sent_outbox(a, b)
    assert outbox.confirmed(1, multiple=False, ack=True, now=100.5) is False
    assert outbox.blocked("low on memory") == 1
    error = b.future.exception()
    assert isinstance(error, PublishOutcomeUnknownError) and "low on memory" in str(error)
    assert outbox.confirmed(2, multiple=False, ack=True, now=140.0) is False  # the alarm cleared: settles nothing


def test_at_the_deadline_a_written_publish_is_outcome_unknown_and_an_unwritten_one_was_not_stored():
    written = pending("t.commands", "boss.a.B", "m1")
    outbox = sent_outbox(written)
    never = pending("t.commands", "boss.a.B", "m2")
    outbox.add(never)  # not sent: the channel is not usable (blocked, reconnecting)
    outbox.expire(131.0)
    assert isinstance(written.future.exception(), PublishOutcomeUnknownError)
    error = never.future.exception()
    assert type(error) is PublishTimeoutError and "nothing was stored" in str(error)


def test_a_publish_lost_with_its_channel_then_nacked_is_still_outcome_unknown():
    p = pending("t.commands", "boss.a.B", "m1")
    outbox = sent_outbox(p, config=TopologyConfig(prefix="t", consumers=("boss",)))
    outbox.channel_lost("channel closed")  # the first copy may have been stored
    outbox.ledger.new_channel()
    outbox.send(FakeChannel())
    assert outbox.confirmed(1, multiple=False, ack=False, now=101.0) is True
    outbox.waiting.clear()
    outbox.expire(131.0)
    assert isinstance(p.future.exception(), PublishOutcomeUnknownError)
