"""DeadLetterQueues: a purge deletes only the letters counted (audit d7); a DLQ that does not exist is told from an
empty one and from a broker error (d6); what a pass does with a letter arriving during it is what the docs say (d8).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.store import MemoryProcessedStore
from hub.transport import Broker, open_broker
from hub.transport.errors import TransportError
from hub.workers import BusinessRejection, DeadLetterQueues, HandlerRegistry, RetryPolicy, Worker
from hub.workers.dlq import DeadLetter
from tests.unit.workers.kit import envelope, publish, short_config, wait_until

pytestmark = pytest.mark.unit


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def dead_letter(broker: Broker, ids: list[str]) -> None:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Any) -> None:
        raise BusinessRejection(f"refused {env.message_id}")

    dlq = broker.config.dead_letter_queue("boss")
    before = broker.message_count(dlq)
    for mid in ids:
        publish(broker, "boss", envelope(message_id=mid))
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        wait_until(lambda: broker.message_count(dlq) == before + len(ids), "the dead letters")


def test_a_purge_deletes_only_the_counted_letters_oldest_first(broker: Broker) -> None:
    queues = DeadLetterQueues(broker)
    dead_letter(broker, ["m0", "m1"])
    counted = queues.counts("boss")
    assert counted == {"boss": 2}
    dead_letter(broker, ["late0", "late1", "late2"])  # while the operator reads the question
    assert queues.purge("boss", at_most=counted) == {"boss": 2}
    assert [letter.message_id for letter in queues.browse("boss")] == ["late0", "late1", "late2"]


def test_a_purge_of_more_than_there_are_deletes_what_there_is(broker: Broker) -> None:
    queues = DeadLetterQueues(broker)
    dead_letter(broker, ["m0"])
    assert queues.purge(at_most={"boss": 5, "crm": 3}) == {"boss": 1, "crm": 0}
    assert queues.counts() == {"boss": 0, "crm": 0, "nsp": 0}


class _Gone(Exception):
    reply_code = 404


class _Broker:
    """Just what `count` asks of a broker: a DLQ that is gone (404), or a broker that fails otherwise."""

    def __init__(self, config: Any, error: TransportError) -> None:
        self.config, self.error = config, error

    def message_count(self, queue: str) -> int:
        raise self.error


def _failing(cause: Exception | None) -> TransportError:
    error = TransportError("queue x.boss.dlq: failed")
    error.__cause__ = cause
    return error


def test_a_missing_dlq_is_none_and_named_but_other_broker_errors_are_raised() -> None:
    config = short_config()
    gone = DeadLetterQueues(_Broker(config, _failing(_Gone())))  # type: ignore[arg-type]
    assert gone.count("boss") is None and gone.counts() == {}
    assert gone.missing("boss") == [config.dead_letter_queue("boss")]
    assert gone.missing() == [config.dead_letter_queue(c) for c in config.consumers]
    down = DeadLetterQueues(_Broker(config, _failing(ConnectionError("refused"))))  # type: ignore[arg-type]
    with pytest.raises(TransportError):
        down.count("boss")


def test_existing_dlqs_are_not_missing(broker: Broker) -> None:
    assert DeadLetterQueues(broker).missing() == []


def test_a_letter_arriving_during_a_pass_ends_up_among_the_moved_ones_as_documented(broker: Broker) -> None:
    ids = [f"m{i}" for i in range(5)]
    dead_letter(broker, ids)
    queues = DeadLetterQueues(broker)

    def arrive_after_the_second(letter: DeadLetter, _done: bool) -> None:
        if letter.message_id == "m1":
            dead_letter(broker, ["new"])

    report = queues.replay([], "boss", progress=arrive_after_the_second)  # a pass that replays nothing
    assert report.replayed == [] and report.failed == []
    # not part of the pass; behind the two copies moved before it arrived, ahead of the three moved after
    assert [letter.message_id for letter in queues.browse("boss")] == ["m0", "m1", "new", "m2", "m3", "m4"]
