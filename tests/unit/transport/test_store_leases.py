"""Claims of a process that died are taken over at once; a live claim keeps its id, however long its effect runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.store import ClaimBusyError, MemoryProcessedStore, ProcessedStore, SQLiteProcessedStore
from hub.store.owner import gone, owner

pytestmark = pytest.mark.unit

_HOLDER = """
import sys, time
from hub.store import SQLiteProcessedStore
store = SQLiteProcessedStore(sys.argv[1])
with store.claim(sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """Another worker process, holding the claim of ``m-1`` in the store at ``path`` (default lease)."""
    path = tmp_path / "processed.db"
    SQLiteProcessedStore(path).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), "m-1"], stdout=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    yield path, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()


def test_a_killed_workers_claim_is_taken_over_at_once(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = holder
    store = SQLiteProcessedStore(path)
    try:
        with pytest.raises(ClaimBusyError), store.claim("m-1"):
            pass  # its owner runs: the claim holds
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with store.claim("m-1") as claim:  # not after the lease: its owner is gone
            assert not claim.duplicate
            claim.complete("dispatched")
        assert store.outcome("m-1") == "dispatched"
    finally:
        store.close()


def test_a_killed_workers_claim_is_taken_over_by_a_batch(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = holder
    store = SQLiteProcessedStore(path)
    try:
        assert store.run_batch([("m-1", lambda: "x")])[0].busy
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        (result,) = store.run_batch([("m-1", lambda: "done")])
        assert result.ran and result.outcome == "done"
    finally:
        store.close()


# On PostgreSQL: tests/integration/transport/test_store_on_postgres.py.
@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_slow_effect_keeps_its_claim_past_the_lease(kind: str, tmp_path: Path) -> None:
    shared = MemoryProcessedStore(lease_seconds=0.3)
    if kind == "sqlite":
        a_slow_effect_keeps_its_claim(lambda: SQLiteProcessedStore(tmp_path / "p.db", lease_seconds=0.3))
    else:
        a_slow_effect_keeps_its_claim(lambda: shared)


def a_slow_effect_keeps_its_claim(open_store: Callable[[], ProcessedStore]) -> None:
    """The lease (0.3 s in ``open_store``'s stores) is renewed while the effect runs: after several lease periods
    the id is still held."""
    first, second = open_store(), open_store()
    try:
        with first.claim("slow") as claim:
            renewals = 0
            while renewals < 5:  # several lease periods pass while the effect runs
                time.sleep(first.lease_seconds / 3)
                renewals += 1
            with pytest.raises(ClaimBusyError), second.claim("slow"):
                pass
            claim.complete("done")
        assert second.outcome("slow") == "done"
    finally:
        first.close()
        second.close()


def test_owner_names_a_process_that_can_be_found_gone() -> None:
    me = owner()
    assert not gone(me)
    assert not gone(None) and not gone("") and not gone("garbage")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert gone(owner(proc.pid))  # exited (and reaped): no such process, or another one with that pid
    other_host = "elsewhere/" + "/".join(me.split("/")[1:])
    assert not gone(other_host)  # another machine: only the lease can tell
