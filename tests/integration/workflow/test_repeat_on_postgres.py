"""The repeat-complaint mark with two transactions at once on PostgreSQL (several hub processes on one database):
two creations for one number and phenomenon, the first not yet committed when the second reads the customer's
work orders. The second waits for the first (``dialect.lock_customer``) and is the repeat, listing the first;
without the lock both read before either commits and neither is marked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text as sql

from hub.workflow.changes import Created
from hub.workflow.clock import ManualClock
from hub.workflow.commands import Complaint
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.tiers import TierFacts
from tests.integration.workflow.lock_waits import SecondTransaction
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.incident_kit import CALLS, HALL, settings
from tests.unit.workflow.kit import START

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_server: PostgresServer) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(settings(postgres_server.create_database()), clock=ManualClock(START))
    yield opened
    opened.close()


def _complaint(msisdn: str, message_id: str, area_code: str) -> Complaint:
    return Complaint(channel="HOTLINE", msisdn=msisdn, contact_number=msisdn, category_code=CALLS,
                     phenomenon="Cannot originate calls", description="calls fail", occurred_at=START,
                     location="Futian", area_code=area_code, district="Futian", taken_by="agent-1024",
                     message_id=message_id, intake_point=HALL)


def _create(runtime: WorkflowRuntime, msisdn: str, message_id: str, minutes: int, area_code: str) -> Created:
    with runtime.store.transaction(message_id) as tx:
        return runtime.engine.create(tx, _complaint(msisdn, message_id, area_code), TierFacts("", "PREPAID"),
                                     START + timedelta(minutes=minutes))


def test_the_second_of_two_creations_at_once_for_one_number_is_the_repeat(runtime: WorkflowRuntime) -> None:
    msisdn = "13900135555"
    first = runtime.store.begin("cs-repeat-first")
    created_first = runtime.engine.create(first, _complaint(msisdn, "cs-repeat-first", "0755"),
                                          TierFacts("", "PREPAID"), START)
    assert not created_first.repeat

    # the second, a minute later and from another area (it queues on no bucket or counter row of the first)
    second = SecondTransaction(runtime, lambda: _create(runtime, msisdn, "cs-repeat-second", 1, "0769"))
    second.start_and_wait()
    runtime.store.finish(first, commit=True)
    created_second = second.result()
    assert isinstance(created_second, Created)
    assert created_second.repeat
    assert [row["id"] for row in created_second.customer_orders] == [created_first.row["id"]]
    with runtime.store.engine.connect() as connection:
        marks = {str(row.id): bool(row.repeat_complaint)
                 for row in connection.execute(sql("SELECT id, repeat_complaint FROM work_orders"))}
    assert marks == {created_first.row["id"]: False, created_second.row["id"]: True}


def test_creations_for_two_numbers_do_not_wait_for_each_other(runtime: WorkflowRuntime) -> None:
    first = runtime.store.begin("cs-apart-first")
    runtime.engine.create(first, _complaint("13900136666", "cs-apart-first", "0755"), TierFacts("", "PREPAID"),
                          START)
    second = SecondTransaction(runtime, lambda: _create(runtime, "13900137777", "cs-apart-second", 1, "0769"))
    try:
        second.thread.start()
        second.thread.join(30)  # the first is still open: the second finishes without waiting for it
        assert not second.thread.is_alive()
    finally:
        runtime.store.finish(first, commit=True)
    assert not second.result().repeat
