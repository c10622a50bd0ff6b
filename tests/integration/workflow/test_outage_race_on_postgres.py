"""An outage notice arriving while complaints are taken, two transactions at once on PostgreSQL (several workflow
workers on one database): an intake holds the outage notices lock shared from its read of the active notices to its
commit, a notice's arrival takes it exclusive first (``dialect.share_outage_notices`` / ``lock_outage_notices``).

Without it (audit storm, three workers): a batch transaction that read the notices before the notice committed and
committed after the notice's linking pass left its complaint neither answered nor linked, and one that auto-answered
from the notice before its clearance committed left it AUTO_ANSWERED for good. Here the intake's transaction is held
open after its read (as a batch holds it for up to its budget) while the notice arrives in another thread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError

from hub.workers.classify import Classifier
from hub.workflow.runtime import WorkflowRuntime
from tests.integration.workflow.lock_waits import SecondTransaction, waiting_for_a_lock
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_outage_race import arrive, linked_notice, receive, take
from tests.unit.workflow.test_outage_rule import NOTICE_ID, cleared_envelope, notice_envelope

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

CLEARED = START + timedelta(hours=2)  # 11:15 in Shenzhen, after the example clearance's ClearedAt (11:05)


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


def test_a_notice_waits_for_an_intake_that_read_no_notice_and_links_its_complaint(runtime: WorkflowRuntime) -> None:
    intake = runtime.store.begin("cs-race-late")
    work_order_id, outcomes = take(runtime, intake, 1)
    assert outcomes == []  # it read the notices before the notice: handled as usual

    notice = SecondTransaction(runtime, lambda: arrive(runtime, notice_envelope()))
    notice.start_and_wait()
    assert waiting_for_a_lock(runtime)  # the notice waits for the intake in flight
    runtime.store.finish(intake, commit=True)

    assert notice.result().linked == [work_order_id]
    assert linked_notice(runtime, work_order_id) == (NOTICE_ID, "ACCEPTED")


def test_a_clearance_waits_for_an_intake_answered_from_the_notice_and_replies_to_it(
        runtime: WorkflowRuntime) -> None:
    arrive(runtime, notice_envelope())
    intake = runtime.store.begin("cs-race-cleared")
    work_order_id, outcomes = take(runtime, intake, 2)
    assert [outcome.answer.get("OutageNoticeId") for outcome in outcomes] == [NOTICE_ID]  # answered from it

    clearance = SecondTransaction(runtime, lambda: arrive(runtime, cleared_envelope(), CLEARED))
    clearance.start_and_wait()
    assert waiting_for_a_lock(runtime)
    runtime.store.finish(intake, commit=True)

    assert clearance.result().replied == [work_order_id]
    assert linked_notice(runtime, work_order_id) == (NOTICE_ID, "REPLIED")


def test_an_intake_during_a_notice_arrival_waits_and_is_answered_from_it(runtime: WorkflowRuntime) -> None:
    notice = runtime.store.begin("nsp-race-first")
    receive(runtime, notice, notice_envelope())

    def intake() -> tuple[str, list[str | None]]:
        with runtime.store.transaction("cs-race-during") as tx:
            work_order_id, outcomes = take(runtime, tx, 3)
        return work_order_id, [outcome.answer.get("OutageNoticeId") for outcome in outcomes]

    complaint = SecondTransaction(runtime, intake)
    complaint.start_and_wait()
    assert waiting_for_a_lock(runtime)  # it reads the notices once the notice committed
    runtime.store.finish(notice, commit=True)

    work_order_id, answered_from = complaint.result()
    assert answered_from == [NOTICE_ID]
    assert linked_notice(runtime, work_order_id) == (NOTICE_ID, "AUTO_ANSWERED")


def test_intakes_do_not_wait_for_each_other(runtime: WorkflowRuntime) -> None:
    arrive(runtime, notice_envelope())
    first = runtime.store.begin("cs-race-first")
    take(runtime, first, 4)

    def second() -> list[str | None]:
        with runtime.store.transaction("cs-race-second") as tx:
            return [outcome.answer.get("OutageNoticeId") for outcome in take(runtime, tx, 5)[1]]

    other = SecondTransaction(runtime, second)
    try:
        other.thread.start()
        other.thread.join(30)  # the first is still open: the second finishes without waiting for it
        assert not other.thread.is_alive()
    finally:
        runtime.store.finish(first, commit=True)
    assert other.result() == [NOTICE_ID]


def test_a_batch_with_complaints_before_a_notice_takes_the_lock_it_shares(runtime: WorkflowRuntime) -> None:
    with runtime.store.transaction() as batch:  # one batch transaction: a complaint, then the notice
        work_order_id, _ = take(runtime, batch, 6)
        outcome = receive(runtime, batch, notice_envelope())
    assert outcome.linked == [work_order_id]


def test_a_notice_kept_waiting_past_the_lock_timeout_fails_for_another_attempt(runtime: WorkflowRuntime) -> None:
    intake = runtime.store.begin("cs-race-long")
    work_order_id, _ = take(runtime, intake, 7)
    notice = runtime.store.begin("nsp-race-impatient")
    notice.db.execute(sql("SET LOCAL lock_timeout = '50ms'"))  # the session's 5 s, shortened
    try:
        with pytest.raises(OperationalError, match="lock timeout") as raised:
            receive(runtime, notice, notice_envelope())
    finally:
        runtime.store.finish(notice, commit=False)
        runtime.store.finish(intake, commit=True)
    assert Classifier()(raised.value).transient  # the worker tries the message again

    assert arrive(runtime, notice_envelope()).linked == [work_order_id]  # the next attempt links it


def test_a_notice_after_complaints_in_a_batch_deadlocked_with_another_batch_fails_one_for_another_attempt(
        runtime: WorkflowRuntime) -> None:
    """Batch A took customer 8's complaint, then a notice (it waits for B's intake); batch B, which took customer
    9's, now takes another of customer 8's (it waits for A's customer lock). PostgreSQL finds the cycle within its
    deadlock_timeout and fails one of them: a transient failure, that message tried again on its own."""
    first, second = runtime.store.begin(), runtime.store.begin()
    take(runtime, first, 8)
    take(runtime, second, 9)
    notice = SecondTransaction(runtime, lambda: receive(runtime, first, notice_envelope()))
    notice.start_and_wait()
    again = SecondTransaction(runtime, lambda: take(runtime, second, 8, "cs-race-8-again"))
    again.thread.start()
    pending = {id(notice): (first, notice), id(again): (second, again)}
    failed: list[OperationalError] = []
    while pending:  # the one PostgreSQL fails ends first; the other goes on once that one is rolled back
        for key, (tx, work) in list(pending.items()):
            work.thread.join(0.01)
            if work.thread.is_alive():
                continue
            del pending[key]
            try:
                work.result()
            except OperationalError as exc:
                failed.append(exc)
                runtime.store.finish(tx, commit=False)
            else:
                runtime.store.finish(tx, commit=True)
    assert [getattr(exc.orig, "sqlstate", None) for exc in failed] == ["40P01"]  # deadlock detected: one of them
    assert Classifier()(failed[0]).transient
