"""A replayed letter that fails again keeps its history: its first failure (its age) over every life and the
reason it was dead-lettered before the replay; `age` words how long ago that was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hub.envelope import Envelope
from hub.store import MemoryProcessedStore
from hub.transport import Broker, open_broker
from hub.workers import BusinessRejection, DeadLetterQueues, HandlerRegistry, RetryPolicy, Worker
from hub.workers import headers as h
from hub.workers.replay import age
from tests.unit.workers.kit import envelope, publish, short_config, wait_until

pytestmark = pytest.mark.unit


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def test_a_replay_that_fails_again_keeps_its_first_failure_and_previous_reason(broker: Broker) -> None:
    reasons = iter(["BOSS refused: first", "BOSS refused: second"])
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> None:
        raise BusinessRejection(next(reasons))

    dlq, queues = broker.config.dead_letter_queue("boss"), DeadLetterQueues(broker)
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        publish(broker, "boss", envelope(message_id="old-1"))
        wait_until(lambda: broker.message_count(dlq) == 1, "the dead letter")
        [before] = queues.browse("boss")
        assert before.previous_reason is None and before.first_dead == before.first_failure
        assert queues.replay(["old-1"], "boss").replayed
        wait_until(lambda: broker.message_count(dlq) == 1, "the dead letter again")
    [after] = queues.browse("boss")
    assert after.replayed == 1 and after.reason == "BusinessRejection: BOSS refused: second"
    assert after.first_dead == before.first_failure  # its age counts from the first failure, not the replay
    assert after.previous_reason == "BusinessRejection: BOSS refused: first"
    assert after.as_dict()["first_dead"] == before.first_failure
    assert after.message.headers[h.FIRST_DEAD] == before.first_failure


def test_age_words_the_time_since_the_first_failure() -> None:
    now = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)
    assert age("2026-01-02T08:30:00.000+00:00", now) == "3d3h"
    assert age("2026-01-05T11:54:48+00:00", now) == "5m12s"
    assert age("2026-01-05T12:00:00+00:00", now) == "0s"
    assert age(None, now) == "-" and age("yesterday", now) == "-"
