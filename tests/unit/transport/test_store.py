from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hub.store import ClaimBusyError, MemoryProcessedStore, ProcessedStore, SQLiteProcessedStore, open_store

pytestmark = pytest.mark.unit


@pytest.fixture(params=["sqlite", "memory"])  # on PostgreSQL: tests/integration/transport/test_store_on_postgres.py
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ProcessedStore:
    if request.param == "sqlite":
        s: ProcessedStore = SQLiteProcessedStore(tmp_path / "p.db")
    else:
        s = MemoryProcessedStore()
    yield s  # type: ignore[misc]
    s.close()


def test_claim_records_and_then_reports_duplicates(store: ProcessedStore) -> None:
    with store.claim("a") as claim:
        assert not claim.duplicate
        claim.complete("created WO-1")
    assert store.seen("a")
    with store.claim("a") as again:
        assert again.duplicate
        assert again.outcome == "created WO-1"
        with pytest.raises(RuntimeError):
            again.complete("twice")
    assert store.count() == 1


def test_failed_effect_records_nothing(store: ProcessedStore) -> None:
    with pytest.raises(ValueError, match="boom"), store.claim("b"):
        raise ValueError("boom")
    assert not store.seen("b")
    ran, outcome = store.run_once("b", lambda: "ok")
    assert (ran, outcome) == (True, "ok")
    assert store.run_once("b", lambda: "again") == (False, "ok")


def test_claim_without_complete_is_released(store: ProcessedStore) -> None:
    with store.claim("c"):
        pass
    assert not store.seen("c")
    with store.claim("c") as claim:
        assert not claim.duplicate


def test_a_live_claim_blocks_a_concurrent_one(store: ProcessedStore) -> None:
    with store.claim("d"), pytest.raises(ClaimBusyError), store.claim("d"):
        pass


def test_an_expired_lease_can_be_taken_over(tmp_path: Path) -> None:
    an_expired_lease_is_taken_over(SQLiteProcessedStore(tmp_path / "lease.db", lease_seconds=0.0))


def an_expired_lease_is_taken_over(store: ProcessedStore) -> None:
    """``store``'s leases last 0 s."""
    with store.claim("e"), store.claim("e") as second:  # the first holder "died": its lease is over
        assert not second.duplicate
    store.close()


def test_record_is_first_writer_wins(store: ProcessedStore) -> None:
    assert store.record("f", "one")
    assert not store.record("f", "two")
    assert store.outcome("f") == "one"


def test_concurrent_threads_apply_each_id_once(store: ProcessedStore) -> None:
    applied: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for i in range(50):
            try:
                with store.claim(f"id{i}") as claim:
                    if not claim.duplicate:
                        with lock:
                            applied.append(f"id{i}")
                        claim.complete()
            except ClaimBusyError:
                continue

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(applied) == len(set(applied))
    assert store.count() == len(applied)


def test_sqlite_store_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "durable.db"
    first = SQLiteProcessedStore(path)
    first.record("g", "done")
    first.close()
    second = open_store(f"sqlite:///{path}")
    assert second.outcome("g") == "done"
    second.close()
    assert isinstance(open_store("memory://"), MemoryProcessedStore)


def test_the_memory_store_forgets_the_oldest_ids_beyond_its_bound() -> None:
    from hub.store.memory import MemoryProcessedStore

    store = MemoryProcessedStore(remember=3)
    for n in range(5):
        with store.claim(f"m{n}") as claim:
            claim.complete(f"done {n}")
    assert store.count() == 3
    assert store.outcome("m0") is None and store.outcome("m1") is None
    assert [store.outcome(f"m{n}") for n in (2, 3, 4)] == ["done 2", "done 3", "done 4"]


def test_the_memory_store_keeps_answers_of_the_latest_requests_only() -> None:
    from hub.store.memory import MemoryProcessedStore

    store = MemoryProcessedStore(remember=10, remember_replies=2)
    for n in range(4):
        with store.claim(f"r{n}") as claim:
            claim.complete(f"answered {n}", reply=f"<answer {n}/>".encode())
    assert [store.reply(f"r{n}") for n in range(4)] == [None, None, b"<answer 2/>", b"<answer 3/>"]
    assert [store.outcome(f"r{n}") for n in range(4)] == [f"answered {n}" for n in range(4)]  # still duplicates
    with store.claim("r0") as again:
        assert again.duplicate and again.reply is None
    store.record("r4", reply=b"<answer 4/>")
    assert store.reply("r2") is None and store.reply("r4") == b"<answer 4/>"
