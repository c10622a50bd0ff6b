"""DeadLetterQueues on the in-memory broker: browsing keeps every message in order; replay keeps the id."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future

import pytest

from hub.envelope import Envelope
from hub.store import MemoryProcessedStore
from hub.transport import Broker, Message, open_broker
from hub.transport.errors import TransportError
from hub.workers import BusinessRejection, DeadLetterQueues, HandlerRegistry, RetryPolicy, Worker, dlq_moves
from hub.workers import headers as h
from tests.unit.workers.kit import Effects, envelope, publish, short_config, take_all, wait_until

pytestmark = pytest.mark.unit


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def refusing_handlers(effects: Effects, refused: set[str]) -> HandlerRegistry:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> None:
        effects.call(env.message_id)
        if env.message_id in refused:
            raise BusinessRejection(f"refused {env.message_id}")
        effects.commit(env.message_id)

    return handlers


def dead_letter(broker: Broker, ids: list[str]) -> None:
    """Publish ``ids`` and run a worker that refuses them all until they are in the DLQ."""
    for mid in ids:
        publish(broker, "boss", envelope(message_id=mid))
    dlq = broker.config.dead_letter_queue("boss")
    handlers = refusing_handlers(Effects(), set(ids))
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        wait_until(lambda: broker.message_count(dlq) == len(ids), "the dead letters")


def test_browsing_keeps_every_message_in_order(broker: Broker) -> None:
    ids = [f"m{i}" for i in range(5)]
    dead_letter(broker, ids)
    queues = DeadLetterQueues(broker)
    for _ in range(3):  # browsing again and again changes nothing
        letters = queues.browse("boss")
        assert [x.message_id for x in letters] == ids
    assert queues.counts() == {"boss": 5, "crm": 0, "nsp": 0}
    first = letters[0]
    assert first.reason == "BusinessRejection: refused m0"
    assert (first.attempts, first.kind) == (1, "permanent")
    assert first.original_routing_key == "boss.boss.QueryCustomerTier"
    assert first.first_failure is not None and first.last_failure is not None
    left = take_all(broker, broker.config.dead_letter_queue("boss"))
    assert [m.message_id for m in left] == ids
    assert all(m.delivery_count == 0 for m in left)  # moved copies start again: no creeping delivery count


def test_replay_one_keeps_its_id_and_key_and_the_rest_in_order(broker: Broker) -> None:
    ids = ["a", "b", "c"]
    dead_letter(broker, ids)
    queues = DeadLetterQueues(broker)
    progress: list[tuple[str, bool]] = []
    report = queues.replay(["b"], "boss", progress=lambda letter, done: progress.append((letter.message_id, done)))
    assert [x.message_id for x in report.replayed] == ["b"] and not report.failed
    assert progress == [("a", False), ("b", True), ("c", False)]
    [replayed] = take_all(broker, broker.config.queue("boss"))
    assert (replayed.message_id, replayed.routing_key) == ("b", "boss.boss.QueryCustomerTier")
    assert replayed.exchange == broker.config.commands_exchange
    assert replayed.headers[h.REPLAYED] == 1
    assert h.DEAD_REASON not in replayed.headers and h.ATTEMPTS not in replayed.headers
    assert [x.message_id for x in queues.browse("boss")] == ["a", "c"]


def test_replay_all_then_the_worker_runs_each_effect_once(broker: Broker) -> None:
    ids = ["x1", "x2"]
    dead_letter(broker, ids)
    queues = DeadLetterQueues(broker)
    # A duplicate dead letter (e.g. a copy published twice) must not take effect twice.
    [first] = queues.show("x1", "boss")  # with its body (a listing keeps none)
    broker.publish(broker.config.dead_letter_exchange, first.message).result(5)
    report = queues.replay(None, "boss")
    assert sorted(x.message_id for x in report.replayed) == ["x1", "x1", "x2"]
    effects = Effects()
    handlers = refusing_handlers(effects, set())  # the cause is fixed: the worker now accepts everything
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        wait_until(lambda: sum(effects.done.values()) == 2 and broker.message_count(broker.config.queue("boss")) == 0,
                   "the replayed effects")
    assert effects.done == {"x1": 1, "x2": 1}
    assert queues.counts("boss") == {"boss": 0}


def test_a_broker_dead_letter_is_described_and_replayed_to_its_queue(broker: Broker) -> None:
    config = broker.config
    sent = Message(b"<x/>", "boss.boss.QueryCustomerTier", type="boss.QueryCustomerTier")
    broker.publish(config.commands_exchange, sent).result(5)
    delivery = broker.get(config.queue("boss"))
    assert delivery is not None
    delivery.reject("poison")  # native dead-lettering: only x-death
    queues = DeadLetterQueues(broker)
    [letter] = queues.browse()
    assert letter.reason == "dead-lettered by the broker (rejected)"
    assert letter.attempts is None
    assert letter.original_routing_key == "boss.boss.QueryCustomerTier"
    assert queues.replay([sent.message_id]).replayed
    [back] = take_all(broker, config.queue("boss"))
    assert back.message_id == sent.message_id and "x-death" not in back.headers


def test_purge_and_queue_names(broker: Broker) -> None:
    dead_letter(broker, ["p1", "p2"])
    queues = DeadLetterQueues(broker)
    assert queues.consumers(broker.config.dead_letter_queue("boss")) == ("boss",)
    assert queues.consumers(broker.config.queue("crm")) == ("crm",)
    with pytest.raises(KeyError):
        queues.consumers("nobody")
    assert queues.purge("boss") == {"boss": 2}
    assert queues.browse() == []


def test_a_pass_longer_than_its_confirm_window_keeps_the_order(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dlq_moves, "MOVE_WINDOW", 3)  # 10 letters: three full windows and a last partial one
    ids = [f"w{i}" for i in range(10)]
    dead_letter(broker, ids)
    queues = DeadLetterQueues(broker)
    assert [x.message_id for x in queues.browse("boss")] == ids
    report = queues.replay(["w4"], "boss")
    assert [x.message_id for x in report.replayed] == ["w4"]
    assert [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))] == ids[:4] + ids[5:]


def test_a_copy_the_broker_does_not_confirm_loses_no_letter(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dlq_moves, "MOVE_WINDOW", 4)
    ids = [f"f{i}" for i in range(8)]
    dead_letter(broker, ids)
    publish_copy = broker.publish
    copies = 0

    def refusing_the_third(exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        nonlocal copies
        if message.routing_key != broker.config.dead_letter_queue("boss"):  # the pass's probe: not a copy
            return publish_copy(exchange, message, mandatory=mandatory)
        copies += 1
        if copies != 3:
            return publish_copy(exchange, message, mandatory=mandatory)
        refused: Future[None] = Future()
        refused.set_exception(TransportError("nack: the broker refused the copy"))
        return refused

    monkeypatch.setattr(broker, "publish", refusing_the_third)
    with pytest.raises(TransportError, match="refused the copy"):
        DeadLetterQueues(broker).browse("boss")
    # The two confirmed copies' originals were acked; the unconfirmed one and the window's later ones went back: each
    # letter is still there (the later ones' copies may be there as well: the same id twice, replayed once).
    left = [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))]
    assert set(left) == set(ids)
    assert left.count("f2") == 1
