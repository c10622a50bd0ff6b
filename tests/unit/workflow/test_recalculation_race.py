"""Two processes on one database take the same edit of the SLA table at the same moment (two hubs' schedulers, or a
hub's and ``onepoint workorders recalculate``): both list the same stale work orders, and the second waits on their
row locks while the first recomputes them. Each work order is still recalculated once: one RECALCULATE entry and
its deadline rows replaced once (docs/deadlines.md: "once per new version", "whichever comes first").

Collected again on PostgreSQL by tests/integration/workflow/test_recalculation_race_on_postgres.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from hub.workflow import recalculation
from hub.workflow.deadlines import Deadlines
from hub.workflow.recalculation import OPEN_STATES, recalculate, recompute
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.sla import SlaTable, load_sla_table
from hub.workflow.store import HistoryEntry, WorkOrderView
from hub.workflow.store.queries import load_work_order
from hub.workflow.store.stale import stale_work_orders
from tests.unit.workflow.deadline_kit import create, history, open_on, row, sla_seed_with, write

pytestmark = pytest.mark.unit


def _edited_table(folder: Path) -> SlaTable:
    return load_sla_table(write(folder / "sla.toml", sla_seed_with('reply = "40h"', 'reply = "48h"')))


def _entry(runtime: WorkflowRuntime,
           view: WorkOrderView) -> Callable[[Deadlines, Mapping[str, Any]], list[HistoryEntry]]:
    return lambda deadlines, _columns: [HistoryEntry(
        at=runtime.clock.now(), kind="field", actor="hub", system="HUB", action="RECALCULATE", field="sla_version",
        old_value=view.row["sla_version"], new_value=deadlines.sla_version, note="deadlines recalculated")]


def test_a_recalculation_that_waited_for_another_ones_locks_recalculates_nothing_again(
        runtime: WorkflowRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    orders = [create(runtime, "OTHER_BRAND", msisdn=f"1390000{n:04d}") for n in range(5)]
    url = runtime.store.engine.url.render_as_string(hide_password=False)
    other = open_on(url)  # the second process, on the same database
    try:
        table = _edited_table(tmp_path)
        runtime.engine.sla = other.engine.sla = table  # both took the edit
        before = {order: row(runtime, order)["reply_due"] for order in orders}
        outcome: dict[str, object] = {}
        listed = threading.Event()

        def listing(*args: Any, **kwargs: Any) -> list[str]:
            found = stale_work_orders(*args, **kwargs)
            if found:
                listed.set()
            return found

        monkeypatch.setattr(recalculation, "stale_work_orders", listing)

        def second() -> None:
            try:
                outcome["changed"] = recalculate(runtime)
            except Exception as error:  # reported below
                outcome["error"] = error

        racing = threading.Thread(target=second)
        with other.store.transaction() as tx:  # the first process: its row locks held until its commit
            stale = stale_work_orders(other.store.engine, OPEN_STATES, table.version, [], after=None, limit=50)
            assert sorted(stale) == sorted(orders)
            for order in stale:
                view = load_work_order(tx.db, order, for_update=True)
                assert view is not None
                recompute(other, tx, view, _entry(other, view), reason="deadlines recalculated")
            racing.start()  # lists the same stale work orders (the first has not committed), then waits on them
            assert listed.wait(timeout=30)
            racing.join(timeout=0.5)
            assert racing.is_alive()
        racing.join(timeout=60)
        assert not racing.is_alive() and "error" not in outcome, outcome
        assert outcome["changed"] == 0
        for order in orders:
            entries = [h for h in history(runtime, order) if h["action"] == "RECALCULATE"]
            assert len(entries) == 1, entries
            assert entries[0]["old_value"] != entries[0]["new_value"] == table.version
            assert row(runtime, order)["reply_due"] > before[order]
        assert recalculate(runtime) == recalculate(other) == 0
    finally:
        other.close()


def test_two_recalculations_at_once_recalculate_each_work_order_once(runtime: WorkflowRuntime,
                                                                      tmp_path: Path) -> None:
    orders = [create(runtime, "OTHER_BRAND", msisdn=f"1390001{n:04d}") for n in range(30)]
    other = open_on(runtime.store.engine.url.render_as_string(hide_password=False))
    try:
        runtime.engine.sla = other.engine.sla = _edited_table(tmp_path)
        start = threading.Barrier(2)
        changed: list[int] = []

        def run(process: WorkflowRuntime) -> None:
            start.wait()
            changed.append(recalculate(process, chunk=7))

        threads = [threading.Thread(target=run, args=(process,)) for process in (runtime, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sum(changed) == len(orders), changed
        for order in orders:
            assert [h["action"] for h in history(runtime, order)].count("RECALCULATE") == 1
    finally:
        other.close()
