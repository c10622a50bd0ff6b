"""``onepoint dlq`` against a real RabbitMQ that refuses: a replay into a consumer queue at its max length, and a
memory alarm. The pass ends at the first refusal and says why; no letter is both replayed and kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import click
import pytest

from hub.transport import Broker, Message, TopologyConfig
from hub.workers import headers as h
from tests.integration import test_dlq_cli as base
from tests.support.rabbitmq_server import RabbitMQServer
from tests.unit.workers.kit import short_config, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

broker, cli = base.broker, base.cli  # the fixtures of test_dlq_cli (over this module's config)
Run = Callable[..., click.testing.Result]


@pytest.fixture
def config() -> TopologyConfig:
    return replace(short_config(tier_ms=(100, 200, 300)), max_length=1)  # a 3.10 quorum queue takes 2


def put_letters(broker: Broker, ids: list[str]) -> None:
    """Dead letters as the worker writes them, straight into boss's DLQ (no worker consumes boss's queue)."""
    for mid in ids:
        headers = {h.DEAD_REASON: "PermanentError: backend answered 400", h.ATTEMPTS: 1,
                   h.ORIGINAL_ROUTING_KEY: "boss.boss.QueryCustomerTier",
                   h.ORIGINAL_EXCHANGE: broker.config.commands_exchange}
        broker.publish("", Message(b"<x/>", broker.config.dead_letter_queue("boss"), message_id=mid,
                                   headers=headers)).result(10)


def test_a_replay_into_a_full_queue_stops_at_the_first_refusal_naming_it(broker: Broker, cli: Run) -> None:
    put_letters(broker, [f"full-{i}" for i in range(4)])
    result = cli("replay", "--all")  # the tool's topology (--prefix only) does not know the queue's max length
    assert result.exit_code == 1
    refused = [line for line in result.stderr.splitlines() if line.startswith(("FAILED", "UNKNOWN"))]
    assert len(refused) == 1 and "full" in refused[0], result.stderr  # the pass stops at the first refusal
    # the broker nacks until the publisher's deadline; on a loaded machine the deadline may pass with a resend
    # still unconfirmed, which is reported honestly as an unknown outcome (letter kept) rather than a refusal
    assert broker.config.queue("boss") in refused[0] or refused[0].startswith("UNKNOWN"), refused[0]
    assert "stopped:" in result.stderr
    dlq, queue = broker.config.dead_letter_queue("boss"), broker.config.queue("boss")
    assert (broker.message_count(queue), broker.message_count(dlq)) == (2, 2)  # each letter in one place


def test_a_memory_alarm_stops_list_and_replay_saying_so_and_nothing_moves(
        broker: Broker, cli: Run, rabbitmq_server: RabbitMQServer) -> None:
    put_letters(broker, [f"alarm-{i}" for i in range(3)])
    rabbitmq_server.ctl("set_vm_memory_high_watermark", "0.0001")
    try:
        listed = cli("list")
        replayed = cli("replay", "--all")
    finally:
        rabbitmq_server.ctl("set_vm_memory_high_watermark", "0.4")
    for result in (listed, replayed):
        assert result.exit_code == 1 and "low on memory" in result.output, result.output
    assert "0 replayed" in replayed.stderr
    dlq, queue = broker.config.dead_letter_queue("boss"), broker.config.queue("boss")
    wait_until(lambda: broker.ready(), "the alarm to clear")
    assert (broker.message_count(queue), broker.message_count(dlq)) == (0, 3)
    assert [line.split()[0] for line in cli("list").stdout.splitlines()[1:]] == ["alarm-0", "alarm-1", "alarm-2"]
