"""The SQLite work-order file under a running hub and at start: deleted or replaced while the hub runs, the
readiness check fails naming it (``SELECT 1`` answered on the unlinked file, ``/readyz`` said ok); missing at start
beside the ``.hub-lock`` of a hub that ran on it, the start is refused instead of creating a new empty database; a
fresh folder (no lock file) still gets its database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.database_file import DatabaseFileChanged, DatabaseFileLost

pytestmark = pytest.mark.unit


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_database_deleted_under_the_hub_fails_the_check_naming_it_with_one_error_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "onepoint-workorders.db"
    store = WorkOrderStore.open(f"sqlite:///{path}")
    try:
        check = store.readiness_check()
        check()
        _remove(path)
        with caplog.at_level(logging.ERROR, logger="onepoint.workflow.store"):
            for _ in range(3):
                with pytest.raises(DatabaseFileChanged, match=rf"{path} is gone"):
                    check()
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and errors[0].__dict__["path"] == str(path)
    finally:
        store.close()


def test_a_database_replaced_under_the_hub_fails_the_check(tmp_path: Path) -> None:
    path, other = tmp_path / "onepoint-workorders.db", tmp_path / "restored.db"
    store = WorkOrderStore.open(f"sqlite:///{path}")
    try:
        WorkOrderStore.open(f"sqlite:///{other}").close()
        os.replace(other, path)  # a restore's mv
        with pytest.raises(DatabaseFileChanged, match="another file than the one this process opened"):
            store.readiness_check()()
    finally:
        store.close()


def test_a_database_missing_beside_its_hub_lock_is_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "onepoint-workorders.db"
    WorkOrderStore.open(f"sqlite:///{path}").close()
    assert (tmp_path / "onepoint-workorders.db.hub-lock").exists()
    _remove(path)
    with pytest.raises(DatabaseFileLost) as refused:
        WorkOrderStore.open(f"sqlite:///{path}")
    said = str(refused.value)
    assert str(path) in said and "Restore it from a backup" in said
    assert f"remove {path}.hub-lock to start with an empty database" in said
    assert not path.exists()
    (tmp_path / "onepoint-workorders.db.hub-lock").unlink()  # the operator's choice: an empty database
    WorkOrderStore.open(f"sqlite:///{path}").close()
    assert path.exists()


def test_reading_commands_and_a_fresh_folder_are_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "onepoint-workorders.db"
    path.parent.mkdir()
    WorkOrderStore.open(f"sqlite:///{path}").close()  # no lock file yet: created
    assert path.exists()


def test_a_lock_file_without_a_store_having_opened_the_file_is_no_sign_of_loss(tmp_path: Path) -> None:
    """Processes of one hub started together on a fresh folder (the first made the lock file, SQLite is making the
    database), or an ingress that took the lock file for the audit log kept in the work-order file and stopped
    before any workflow worker ran: the lock file carries no mark, the database is made."""
    from sqlalchemy.engine import make_url

    from hub.workflow.store.database_file import refuse_lost_database
    from hub.workflow.store.hub_lock import HubLock

    path = tmp_path / "onepoint-workorders.db"
    first = HubLock.hold(make_url(f"sqlite:///{path}"))  # made the lock file, its database not made yet
    assert first is not None and not path.exists()
    refuse_lost_database(path)  # nothing raised
    first.release()
    refuse_lost_database(path)  # the first stopped before migrating: still a fresh folder
    WorkOrderStore.open(f"sqlite:///{path}").close()
    assert path.exists()


def test_a_new_file_another_store_made_in_place_of_the_lost_one_is_refused(tmp_path: Path) -> None:
    """A store sharing the work-order file ([security] nonce_store = "workflow", ...) opened first and made a new,
    empty file at the path: the file exists, but holds no work orders, so the loss is still seen."""
    import sqlite3

    path = tmp_path / "onepoint-workorders.db"
    WorkOrderStore.open(f"sqlite:///{path}").close()
    _remove(path)
    sqlite3.connect(path).execute("CREATE TABLE onepoint_wsse_nonces (username TEXT)").connection.close()
    with pytest.raises(DatabaseFileLost):
        WorkOrderStore.open(f"sqlite:///{path}")
