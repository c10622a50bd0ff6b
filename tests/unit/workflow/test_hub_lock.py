"""``<file>.hub-lock``: every process with a SQLite work-order file open for writing holds it shared, so
``onepoint workorders copy`` (which takes it exclusive) sees a hub on the file whatever the hub runs; the reading
commands take none (they may run beside a copy)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.hub_lock import HubRunning, lock_file_beside, no_hub_running_on

pytestmark = pytest.mark.unit


def test_stores_open_for_writing_share_the_lock_until_the_last_closes(tmp_path: Path) -> None:
    path = tmp_path / "workorders.db"
    first, second = WorkOrderStore.open(f"sqlite:///{path}"), WorkOrderStore.open(f"sqlite:///{path}")
    first.close()
    held = r"a hub still runs on .*workorders\.db \(it holds workorders\.db\.hub-lock\)"
    with pytest.raises(HubRunning, match=held), no_hub_running_on(path):
        pass
    second.close()
    reading = WorkOrderStore.open(f"sqlite:///{path}", reading=True)
    try:
        with no_hub_running_on(path):  # a reading command holds nothing
            pass
    finally:
        reading.close()


def test_a_store_dropped_unclosed_lets_the_lock_go(tmp_path: Path) -> None:
    path = tmp_path / "workorders.db"
    store = WorkOrderStore.open(f"sqlite:///{path}")
    store.engine.dispose()
    del store
    gc.collect()
    with no_hub_running_on(path):
        pass


def test_the_lock_file_lies_beside_the_file_also_one_named_as_a_uri(tmp_path: Path) -> None:
    assert lock_file_beside(make_url(f"sqlite:///file:{tmp_path / 'wo.db'}?uri=true&mode=rwc"), ".hub-lock") == (
        tmp_path / "wo.db.hub-lock")
    assert lock_file_beside(make_url("sqlite://"), ".hub-lock") is None
    assert lock_file_beside(make_url("sqlite:///file:board?mode=memory&uri=true"), ".hub-lock") is None
    assert lock_file_beside(make_url("postgresql+psycopg://hub@127.0.0.1/workorders"), ".hub-lock") is None
