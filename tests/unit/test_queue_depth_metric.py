"""``onepoint_queue_messages{queue}`` (audit repro 06): every queue of the topology (consumers' queues, DLQs, delay
tiers) read from the broker at scrape time, one read shared by scrapes within ``max_age``, no sample (not a stale
one) when the read fails."""

from __future__ import annotations

import uuid

import pytest

from hub.envelope import Envelope
from hub.ingress.app import queue_depths
from hub.observability.metrics import Metrics
from hub.observability.queues import QueueDepths
from hub.routing.codec import message_from_envelope
from hub.transport import TopologyConfig, open_broker, routing_key

pytestmark = pytest.mark.unit

GAUGE = "onepoint_queue_messages"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_depth_of_every_queue_of_the_topology_is_exposed() -> None:
    metrics = Metrics()
    with open_broker("memory://", TopologyConfig(prefix=f"q{uuid.uuid4().hex[:8]}")) as broker:
        metrics.track_queues(queue_depths(broker), max_age=0)
        config = broker.config
        for n in range(3):
            envelope = Envelope(f"cs-depth-{n:08d}", "boss.SyncHLR", "CS", b"<x/>")
            message = message_from_envelope(envelope, routing_key("boss", envelope.command_type))
            broker.publish(config.commands_exchange, message).result(5)
        assert metrics.value(GAUGE, queue=config.queue("boss")) == 3
        assert metrics.value(GAUGE, queue=config.queue("crm")) == 0
        body = metrics.render()[0].decode()
        for name in (config.queue("workflow"), config.dead_letter_queue("boss"), config.delay_exchange("5s")):
            assert f'{GAUGE}{{queue="{name}"}} 0.0' in body
        broker.purge(config.queue("boss"))
        assert metrics.value(GAUGE, queue=config.queue("boss")) == 0


def test_scrapes_within_max_age_share_one_read_and_a_failed_read_gives_no_sample() -> None:
    clock, reads = Clock(), []
    answers: list[object] = [{"onepoint.boss": 4}, RuntimeError("broker gone"), {"onepoint.boss": 1}]

    def read() -> dict[str, int]:
        reads.append(clock.now)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, dict)
        return answer

    depths = QueueDepths(read, max_age=2.0, clock=clock)
    assert depths.depths() == {"onepoint.boss": 4}
    clock.now = 1.5
    assert depths.depths() == {"onepoint.boss": 4} and reads == [0.0]
    clock.now = 2.0
    assert depths.depths() == {}
    clock.now = 4.0
    assert depths.depths() == {"onepoint.boss": 1} and reads == [0.0, 2.0, 4.0]


def test_tracking_again_replaces_the_read() -> None:
    metrics = Metrics()
    metrics.track_queues(lambda: {"a": 1}, max_age=0)
    metrics.track_queues(lambda: {"a": 2}, max_age=0)
    assert metrics.value(GAUGE, queue="a") == 2
