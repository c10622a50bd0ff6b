"""``ProcessedStore.run_batch`` and ``process_batch_once``: one commit for many ids, settled after it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from hub.store import MemoryProcessedStore, ProcessedStore, SQLiteProcessedStore, process_batch_once
from hub.transport import Delivery, Message, Settlement

pytestmark = pytest.mark.unit


@pytest.fixture(params=["sqlite", "memory"])  # on PostgreSQL: tests/integration/transport/test_store_on_postgres.py
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessedStore]:
    s: ProcessedStore = SQLiteProcessedStore(tmp_path / "p.db") if request.param == "sqlite" else MemoryProcessedStore()
    yield s
    s.close()


def test_a_batch_runs_new_ids_skips_done_ones_and_keeps_going_past_a_failure(store: ProcessedStore) -> None:
    store.run_once("old", lambda: "earlier")
    calls: list[str] = []

    def effect(name: str) -> str:
        calls.append(name)
        if name == "bad":
            raise ValueError("no such customer")
        return f"did {name}"

    outcomes = store.run_batch([(m, lambda m=m: effect(m)) for m in ("a", "old", "bad", "b", "a")])
    assert [(o.message_id, o.ran, o.duplicate, o.outcome) for o in outcomes] == [
        ("a", True, False, "did a"),
        ("old", False, True, "earlier"),
        ("bad", False, False, None),
        ("b", True, False, "did b"),
        ("a", False, True, "did a"),  # the same id twice in one batch: once
    ]
    assert isinstance(outcomes[2].error, ValueError)
    assert calls == ["a", "bad", "b"]
    assert not store.seen("bad") and store.count() == 3


def test_an_id_held_by_a_live_claim_is_reported_busy(store: ProcessedStore) -> None:
    with store.claim("held"):
        (outcome,) = store.run_batch([("held", lambda: "never")])
    assert outcome.busy and not outcome.ran


def test_sqlite_commits_the_batch_once_before_returning(tmp_path: Path) -> None:
    store = SQLiteProcessedStore(tmp_path / "p.db")
    store.run_batch([(f"m{i}", lambda: "ok") for i in range(50)])
    other = sqlite3.connect(tmp_path / "p.db")  # another connection sees all of it: committed
    assert other.execute("SELECT count(*) FROM processed_messages WHERE state='done'").fetchone()[0] == 50
    other.close()
    store.close()


def _delivery(message_id: str, settled: list[tuple[str, Settlement]]) -> Delivery:
    def retry(message: Message, tier: str) -> Future[None]:
        raise AssertionError("not used")

    return Delivery(Message(b"<x/>", message_id=message_id), "q", lambda how: settled.append((message_id, how)),
                    retry)


def test_process_batch_once_acks_after_the_commit_and_requeues_failures(store: ProcessedStore) -> None:
    settled: list[tuple[str, Settlement]] = []
    seen_at_effect: list[bool] = []

    def effect(message: Message) -> str:
        seen_at_effect.append(bool(settled))  # nothing is settled while effects run
        if message.message_id == "m2":
            raise RuntimeError("boom")
        return "ok"

    batch = [_delivery(m, settled) for m in ("m1", "m2", "m3")]
    result = process_batch_once(store, batch, effect)
    assert (result.ran, result.duplicates, result.requeued) == (2, 0, 1)
    assert settled == [("m1", Settlement.ACK), ("m2", Settlement.REQUEUE), ("m3", Settlement.ACK)]
    assert seen_at_effect == [False, False, False]
    again = process_batch_once(store, [_delivery("m1", settled), _delivery("m2", settled)], lambda m: "retried")
    assert (again.ran, again.duplicates, again.requeued) == (1, 1, 0)


def test_process_batch_once_waits_for_a_busy_id_then_acks_it_as_a_duplicate(store: ProcessedStore) -> None:
    settled: list[tuple[str, Settlement]] = []
    store._acquire("x")  # another worker's process_once holds "x" ...
    other = threading.Timer(0.1, store._finish, ("x", "first copy"))  # ... and records it a moment later
    other.start()
    result = process_batch_once(store, [_delivery("x", settled)], lambda m: "second", busy_wait=5.0)
    other.join()  # its statement done before the fixture closes the store (a connection closed under it crashes)
    assert (result.ran, result.duplicates, result.requeued) == (0, 1, 0)
    assert settled == [("x", Settlement.ACK)] and store.outcome("x") == "first copy"


def test_process_batch_once_requeues_an_id_still_held_after_the_wait(store: ProcessedStore) -> None:
    settled: list[tuple[str, Settlement]] = []
    with store.claim("y"):
        result = process_batch_once(store, [_delivery("y", settled)], lambda m: "second", busy_wait=0.1)
    assert result.requeued == 1 and settled == [("y", Settlement.REQUEUE)]
