"""Several threads and several processes appending at once: every row gets its own number, the chain holds."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hub.audit import AuditLog, SQLiteAuditStorage
from tests.unit.audit.kit import TEST_KEY, entry

pytestmark = pytest.mark.unit

_WRITER = """
import sys
from hub.audit import AuditLog, SQLiteAuditStorage
from tests.unit.audit.kit import TEST_KEY, entry
log = AuditLog(SQLiteAuditStorage(sys.argv[1]), TEST_KEY)
for n in range(int(sys.argv[2])):
    log.append(entry(n, operator=sys.argv[3]))
"""


def test_threads_appending_at_once_keep_the_chain(tmp_path):
    log = AuditLog(SQLiteAuditStorage(tmp_path / "audit.db"), TEST_KEY)
    threads, per_thread = 8, 40
    seqs: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def append(name: str) -> None:
        start.wait()
        for n in range(per_thread):
            record = log.append(entry(n, operator=name))
            with lock:
                seqs.append(record.seq)

    workers = [threading.Thread(target=append, args=(f"op{i}",)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(seqs) == list(range(1, threads * per_thread + 1))
    assert log.verify().summary() == f"OK: {threads * per_thread} rows, chain intact"
    operators = {record.values[0] for record in log.last(threads * per_thread)}
    assert operators == {f"op{i}" for i in range(threads)}


def test_processes_appending_at_once_keep_the_chain(tmp_path):
    path = tmp_path / "audit.db"
    AuditLog(SQLiteAuditStorage(path), TEST_KEY).close()  # created once, as a deployment's first start does
    root = Path(__file__).resolve().parents[3]
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), "30", f"proc{i}"], cwd=root)
               for i in range(3)]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    log = AuditLog(SQLiteAuditStorage(path, create=False), TEST_KEY)
    assert log.verify().summary() == "OK: 90 rows, chain intact"
    assert {record.values[0] for record in log.last(90)} == {"proc0", "proc1", "proc2"}


def test_an_append_is_visible_to_another_connection_when_it_returns(tmp_path):
    import sqlite3

    path = tmp_path / "audit.db"
    log = AuditLog(SQLiteAuditStorage(path), TEST_KEY)
    record = log.append(entry(3))
    other = sqlite3.connect(path)
    assert other.execute("SELECT seq, rows_returned FROM audit_log").fetchall() == [(record.seq, 3)]
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()


def test_verify_while_others_append_sees_one_consistent_moment(tmp_path):
    log = AuditLog(SQLiteAuditStorage(tmp_path / "audit.db"), TEST_KEY)
    log.append(entry())
    done = threading.Event()

    def append() -> None:
        for n in range(300):
            log.append(entry(n))
        done.set()

    writer = threading.Thread(target=append)
    writer.start()
    reports = []
    while not done.is_set():
        reports.append(log.verify())
    writer.join()
    reports.append(log.verify())
    assert [r.summary() for r in reports if not r.intact] == []
    assert reports[-1].summary() == "OK: 301 rows, chain intact"
