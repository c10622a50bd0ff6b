"""One event publisher per SQLite file: the second process on one file (two ``onepoint worker workflow`` started
from one folder) publishes nothing while the first lives, and takes over once it lets go, waiting one delivery
deadline first as on PostgreSQL. Before, every process on a SQLite file was the publisher, and a listener got
some events twice (an audit: 1-4 of 60)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from hub.workflow.leadership import PublisherLock

pytestmark = pytest.mark.unit


def test_one_publisher_per_sqlite_file_and_the_other_takes_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'workorders.db'}"
    first = PublisherLock(create_engine(url), deadline=30.0)  # two processes' locks (flock is per open file)
    second = PublisherLock(create_engine(url), deadline=30.0)
    assert first.leader() and first.held() and not first.taking_over
    assert not second.leader() and not second.held()
    assert first.leader()  # still it, asked again
    first.release()
    assert not first.held()
    assert second.leader() and second.held()
    assert second.taking_over  # the first's last POST may still be under way: one deadline's quiet
    assert not first.leader()
    second.release()


def test_a_memory_database_has_one_process() -> None:
    lock = PublisherLock(create_engine("sqlite://"), deadline=30.0)
    assert lock.leader() and lock.held()


def test_a_database_named_as_a_uri_locks_beside_its_file(tmp_path: Path) -> None:
    """``sqlite:///file:/x/wo.db?uri=true``: the lock file is /x/wo.db.publisher-lock (it was ``file:/x/...``
    relative to the working folder, which did not exist: the publisher failed every round, listeners got nothing)."""
    url = f"sqlite:///file:{tmp_path / 'workorders.db'}?uri=true&mode=rwc"
    first, second = PublisherLock(create_engine(url), deadline=30.0), PublisherLock(create_engine(url), deadline=30.0)
    assert first.leader() and not second.leader()
    assert (tmp_path / "workorders.db.publisher-lock").is_file()
    first.release()
    memory = PublisherLock(create_engine("sqlite:///file:board?mode=memory&uri=true", poolclass=StaticPool),
                           deadline=30.0)
    assert memory.leader() and memory.held()


def test_a_lock_file_it_cannot_open_leaves_it_publishing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A folder it may not write (or a lock file another user left): the events still go, as before the lock."""
    (tmp_path / "workorders.db.publisher-lock").mkdir()  # a name it cannot open as a file, whoever runs the test
    lock = PublisherLock(create_engine(f"sqlite:///{tmp_path / 'workorders.db'}"), deadline=30.0)
    assert lock.leader() and lock.held() and lock.leader()
    assert [r.getMessage() for r in caplog.records].count(
        "cannot open the event publisher's lock file: this process publishes without it (a second process on this "
        "database would publish too)") == 1
