"""The repeat-complaint mark is kept on the work order (store migration 0009): QueryWorkOrder and QueryWorkOrders show
``RepeatComplaint`` as CreateWorkOrder's answer gave it, and ``onepoint stats rebuild`` counts the kept mark (the
same as the maintained counters, whatever the repeat window is set to since)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import zone_of
from hub.workflow.statistics.rebuild import rebuild_counters
from tests.unit.workflow.audit_kit import NS, query, send
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_statistics_counters import counter_rows, measures

pytestmark = pytest.mark.unit


def marks(client: WorkerTestClient, *ids: str) -> dict[str, tuple[str | None, str | None]]:
    """Each work order's RepeatComplaint as QueryWorkOrder and as QueryWorkOrders answer it."""
    listed = {text(w, "wo:WorkOrderId"): text(w, "wo:RepeatComplaint")
              for w in query(client, Msisdn="13800138000").iterfind("wo:WorkOrder", NS)}
    return {i: (text(send(client, "QueryWorkOrder.valid.xml", WorkOrderId=i), "wo:WorkOrder/wo:RepeatComplaint"),
                listed.get(i)) for i in ids}


def test_the_repeat_mark_is_read_back(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    first = send(client, "CreateWorkOrder.valid.xml")
    runtime.clock.advance(timedelta(hours=2))
    second = send(client, "CreateWorkOrder.valid.xml")
    other = send(client, "CreateWorkOrder.valid.xml", CategoryCode="03.01.01")
    assert [text(a, "wo:RepeatComplaint") for a in (first, second, other)] == ["false", "true", "false"]
    ids = [text(a, "wo:WorkOrderId") or "" for a in (first, second, other)]
    assert marks(client, *ids) == {ids[0]: ("false", "false"), ids[1]: ("true", "true"),
                                   ids[2]: ("false", "false")}


def test_the_rebuild_counts_the_kept_mark(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    send(client, "CreateWorkOrder.valid.xml")
    runtime.clock.advance(timedelta(hours=2))
    send(client, "CreateWorkOrder.valid.xml")
    assert measures(runtime)["repeat"] == 1
    maintained = counter_rows(runtime)
    rebuild_counters(runtime.store.engine, zone_of(runtime.engine.observers), repeat_window=timedelta(hours=1))
    assert counter_rows(runtime) == maintained  # the mark as given, not one a narrower window would give now
