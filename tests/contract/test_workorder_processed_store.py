"""The work-order store as a worker's processed-message store: the same idempotency expectations as
tests/contract/test_idempotency.py, with the effect and its record in one transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from hub.store import ClaimBusyError, process_once
from hub.transport import Broker, Delivery, Message, TopologyConfig
from hub.workflow.store import NoTransactionError, WorkOrderProcessedStore, WorkOrderStore
from tests.support.workorder_store import make_row


class Boom(Exception):
    pass


def create_work_order(store: WorkOrderStore, n: int = 0) -> str:
    """A handler's effect: it writes through the transaction of the claim it runs in."""
    return store.current_transaction().insert_work_order(make_row(n))


def test_effect_and_record_commit_together(workorder_store: WorkOrderStore) -> None:
    processed = WorkOrderProcessedStore(workorder_store)
    with processed.claim("m-1") as claim:
        assert not claim.duplicate
        work_order_id = create_work_order(workorder_store)
        claim.complete("created", reply=b"<answer/>")
    assert workorder_store.get_work_order(work_order_id) is not None
    assert (processed.outcome("m-1"), processed.reply("m-1"), processed.count()) == ("created", b"<answer/>", 1)
    with processed.claim("m-1") as again:
        assert again.duplicate
        assert (again.outcome, again.reply) == ("created", b"<answer/>")
    with pytest.raises(NoTransactionError):
        workorder_store.current_transaction()


def test_a_failed_or_unfinished_effect_leaves_nothing(workorder_store: WorkOrderStore) -> None:
    processed = WorkOrderProcessedStore(workorder_store)

    def failing_effect() -> str:
        create_work_order(workorder_store)
        raise Boom

    with pytest.raises(Boom):
        processed.run_once("m-2", failing_effect)
    with processed.claim("m-3"):
        create_work_order(workorder_store)  # never completed: released
    assert workorder_store.query().total == 0
    assert (processed.seen("m-2"), processed.seen("m-3"), processed.count()) == (False, False, 0)
    assert processed.run_once("m-2", lambda: create_work_order(workorder_store) and "created") == (True, "created")
    assert processed.run_once("m-2", lambda: pytest.fail("a duplicate ran")) == (False, "created")


def test_a_claim_held_elsewhere_is_busy(open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    first = WorkOrderProcessedStore(open_workorder_store())
    second = WorkOrderProcessedStore(open_workorder_store(busy_timeout_ms=50))
    with first.claim("m-4") as claim:
        with pytest.raises(ClaimBusyError), second.claim("m-4"):
            pytest.fail("the same id was claimed twice at once")
        claim.complete("done")
    with second.claim("m-4") as again:
        assert again.duplicate


def test_record_keeps_the_first_outcome(workorder_store: WorkOrderStore) -> None:
    processed = WorkOrderProcessedStore(workorder_store)
    assert processed.record("m-5", "first", reply=b"<a/>")
    assert not processed.record("m-5", "second")
    assert (processed.outcome("m-5"), processed.reply("m-5")) == ("first", b"<a/>")


def test_a_batch_commits_once_and_a_failing_effect_undoes_only_itself(workorder_store: WorkOrderStore) -> None:
    processed = WorkOrderProcessedStore(workorder_store)
    processed.record("m-old", "created")
    written: list[str] = []

    def effect(n: int, fail: bool = False) -> Callable[[], str]:
        def run() -> str:
            written.append(create_work_order(workorder_store, n))
            if fail:
                raise Boom
            return "created"
        return run

    results = processed.run_batch([("m-a", effect(1)), ("m-b", effect(2, fail=True)), ("m-a", effect(3)),
                                   ("m-old", effect(4)), ("m-c", effect(5))])
    assert [(r.message_id, r.ran, r.duplicate, isinstance(r.error, Boom)) for r in results] == [
        ("m-a", True, False, False), ("m-b", False, False, True), ("m-a", False, True, False),
        ("m-old", False, True, False), ("m-c", True, False, False),
    ]
    kept = {row["id"] for row in workorder_store.query().rows}
    assert kept == {written[0], written[2]}  # m-a and m-c; m-b's row was undone with its savepoint
    assert (processed.seen("m-a"), processed.seen("m-b"), processed.seen("m-c"), processed.count()) == (
        True, False, True, 3)


def test_duplicate_publishes_take_effect_once(
    broker: Broker, config: TopologyConfig, workorder_store: WorkOrderStore, inbox
) -> None:
    processed = WorkOrderProcessedStore(workorder_store)
    lock = threading.Lock()
    effects: list[str] = []

    def effect(message: Message) -> str:
        create_work_order(workorder_store)
        with lock:
            effects.append(message.message_id)
        return "created"

    ids = [f"id-{i}" for i in range(12)]
    for _ in range(3):  # the same commands three times (a caller's retries)
        for mid in ids:
            broker.publish(config.commands_exchange, Message(b"<w/>", "boss.x.Create", message_id=mid)).result(10)
    box = inbox(lambda d: process_once(processed, d, effect))
    with broker.consume(config.queue("boss"), box, concurrency=4):
        for _ in range(36):
            box.get()
    assert sorted(effects) == sorted(ids)
    assert processed.count() == 12
    assert workorder_store.query().total == 12


def test_redelivery_after_a_lost_ack_does_not_repeat_the_effect(
    broker: Broker, config: TopologyConfig, workorder_store: WorkOrderStore, inbox
) -> None:
    processed = WorkOrderProcessedStore(workorder_store)
    outcomes: list[bool] = []

    def effect(message: Message) -> str:
        create_work_order(workorder_store)
        return "created"

    def handler(d: Delivery) -> None:
        if not d.message.redelivered:  # the effect commits, then the "process dies" before its ack
            processed.run_once(d.message.message_id, lambda: effect(d.message))
            d.nack(requeue=True)
        else:
            outcomes.append(process_once(processed, d, effect))

    sent = Message(b"<w/>", "boss.workorder.CreateWorkOrder")
    broker.publish(config.commands_exchange, sent).result(10)
    box = inbox(handler)
    with broker.consume(config.queue("boss"), box):
        box.get()
        box.get()
    assert outcomes == [False]
    assert processed.outcome(sent.message_id) == "created"
    assert workorder_store.query().total == 1


def test_a_batch_leaves_an_id_held_elsewhere_to_its_holder(open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    holder = WorkOrderProcessedStore(open_workorder_store())
    batch_store = open_workorder_store(busy_timeout_ms=50)
    batch = WorkOrderProcessedStore(batch_store)
    with holder.claim("m-held") as claim:
        results = batch.run_batch([("m-held", lambda: pytest.fail("a held id ran")),
                                   ("m-free", lambda: create_work_order(batch_store) and "created")])
        claim.complete("done")
    assert results[0].busy
    if batch_store.dialect == "postgresql":  # only the held id waits; SQLite's whole batch waits for the write lock
        assert (results[1].ran, batch.outcome("m-free")) == (True, "created")
    else:
        assert results[1].busy
    assert batch.outcome("m-held") == "done"
