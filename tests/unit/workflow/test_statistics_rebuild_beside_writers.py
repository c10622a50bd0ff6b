"""`onepoint stats rebuild` on a SQLite file a hub runs on: the counting reads a snapshot, so a complaint taken (or a
reply given) meanwhile commits at once instead of waiting out the busy timeout and being refused; the write lock
is taken only to replace the rows, and what was committed meanwhile is added once — neither lost nor doubled. Two
rebuilds take turns (the second would otherwise add the first's replacement as if it were changes)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import update

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import RebuildResult, rebuild_counters, zone_of
from hub.workflow.store.schema import work_order_counters
from tests.unit.workflow.kit import act, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import counter_rows, create, measures

pytestmark = pytest.mark.unit


def rebuild(runtime: WorkflowRuntime, meanwhile: Callable[[], object] | None = None) -> RebuildResult:
    """The rebuild, ``meanwhile`` run once while it counts (after its first chunk of work orders)."""
    pending = [meanwhile] if meanwhile is not None else []

    def counted(done: int, total: int) -> None:
        if pending:
            pending.pop()()

    return rebuild_counters(runtime.store.engine, zone_of(runtime.engine.observers), progress=counted)


def wrong_counters(client: WorkerTestClient, runtime: WorkflowRuntime) -> str:
    """Two complaints, one replied; then every counter row made wrong, as a restore may leave them."""
    replied = create(client)
    act(client, replied, "WorkOrderAction.valid-reply.xml")
    open_one = create(client, Msisdn="13900139000")
    with runtime.store.engine.begin() as connection:
        connection.execute(update(work_order_counters).values(count=7))
    return open_one


def test_a_complaint_and_a_reply_committed_while_the_rebuild_counts_are_taken_and_counted_once(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    open_one = wrong_counters(client, runtime)
    taken: list[object] = []

    def meanwhile() -> None:  # the hub goes on: neither waits for the rebuild
        taken.append(text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml",
                                                                     Msisdn="13700137000")))), "wo:State"))
        taken.append(text(act(client, open_one, "WorkOrderAction.valid-reply.xml"), "wo:State"))

    result = rebuild(runtime, meanwhile)
    assert taken == ["ACCEPTED", "REPLIED"] and result.work_orders == 2  # the snapshot's
    rebuilt = counter_rows(runtime)
    assert measures(runtime)["created"] == 3 and measures(runtime)["replied"] == 2
    rebuild(runtime)  # alone: the same rows
    assert counter_rows(runtime) == rebuilt


def test_two_rebuilds_take_turns(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    wrong_counters(client, runtime)
    second: list[RebuildResult] = []
    other = threading.Thread(target=lambda: second.append(rebuild(runtime)))

    def start_another() -> None:
        other.start()
        other.join(2)  # it waits for this one's end (else it would have replaced the rows under this one)

    rebuild(runtime, start_another)
    other.join()
    assert second and measures(runtime)["created"] == 2 and measures(runtime)["replied"] == 1
    rebuilt = counter_rows(runtime)
    rebuild(runtime)
    assert counter_rows(runtime) == rebuilt
