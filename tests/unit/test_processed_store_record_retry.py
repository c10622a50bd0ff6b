"""An outcome reached is recorded across an outage of the shared store's database (audit-pg repro 2): the write is
retried with a bounded backoff until the database answers, only for a lost connection, and given up only when the
store closes; a claim reports the record the id has (another worker's, if written first). The store's part on a real
PostgreSQL: tests/integration/test_processed_store_postgres_outage.py."""

from __future__ import annotations

import logging
import threading

import pytest
import sqlalchemy as sa

from hub.store import ProcessedStore, Recorded
from hub.store.postgres_recording import LONGEST_WAIT, OutcomeRecorder, connection_lost


def dropped() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT …", {}, Exception("server closed the connection unexpectedly"))


class FailingWrites:
    """The record's write on a connection that fails ``failures`` times, then answers."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> Recorded:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error or dropped()
        return Recorded("changed")


def test_the_write_is_retried_until_the_database_answers_with_a_bounded_wait(
        caplog: pytest.LogCaptureFixture) -> None:
    waits: list[float] = []
    recorder = OutcomeRecorder("boss", threading.Event(), sleep=waits.append)
    write = FailingWrites(12)
    with caplog.at_level(logging.WARNING, logger="onepoint.store"):
        assert recorder.record("boss:MSG-1", write) == Recorded("changed")
    assert write.calls == 13 and len(waits) == 12
    assert waits == sorted(waits) and waits[0] < LONGEST_WAIT == waits[-1] == max(waits), waits  # grows to the cap
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith("outcome reached but its record cannot reach the processed store's database")
    assert messages[-1] == "outcome recorded once the processed store's database answered again"


def test_an_error_other_than_a_lost_connection_is_raised_at_once() -> None:
    recorder = OutcomeRecorder("boss", threading.Event(), sleep=lambda _s: None)
    write = FailingWrites(1, sa.exc.IntegrityError("INSERT …", {}, Exception("violates check constraint")))
    with pytest.raises(sa.exc.IntegrityError):
        recorder.record("boss:MSG-1", write)
    assert write.calls == 1


def test_the_wait_ends_when_the_store_closes_and_nothing_is_taken_as_recorded(
        caplog: pytest.LogCaptureFixture) -> None:
    closing = threading.Event()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            closing.set()  # the store's close(), from the thread stopping the process

    write = FailingWrites(1_000)
    with caplog.at_level(logging.WARNING, logger="onepoint.store"), pytest.raises(sa.exc.OperationalError):
        OutcomeRecorder("boss", closing, sleep=sleep).record("boss:MSG-1", write)
    assert write.calls == 4
    assert "the store closed while its database was down" in caplog.records[-1].getMessage()


def test_a_lost_connection_is_told_from_other_database_errors() -> None:
    assert connection_lost(dropped())
    assert connection_lost(sa.exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")))
    assert not connection_lost(sa.exc.ProgrammingError("SELECT", {}, Exception("syntax error")))
    assert not connection_lost(ValueError("not a database error"))


class RecordedFirstElsewhere(ProcessedStore):
    """A store in which another worker recorded every id (outcome ``theirs``) before this claim's record."""

    def outcome(self, message_id: str) -> str | None:
        return None

    def reply(self, message_id: str) -> bytes | None:
        return None

    def record(self, message_id: str, outcome: str = "done", *, reply: bytes | None = None) -> bool:
        return False

    def _acquire(self, message_id: str) -> Recorded | None:
        return None

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> Recorded | None:
        return None if outcome is None else Recorded("theirs", b"<their answer/>")

    def count(self) -> int:
        return 0


def test_a_claim_reports_the_record_the_id_has() -> None:
    store = RecordedFirstElsewhere()
    with store.claim("boss:MSG-1") as claim:
        claim.complete("ours", reply=b"<our answer/>")
    assert (claim.outcome, claim.reply) == ("theirs", b"<their answer/>")
    assert store.run_once("boss:MSG-2", lambda: "ours") == (True, "theirs")
