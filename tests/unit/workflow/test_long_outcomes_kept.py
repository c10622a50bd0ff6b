"""A message's outcome is recorded whole with its id, however long its wording: NSP's answer to a withdrawal
(workorder.NspWithdrawalNote), OA ticking a department's to-do, OA completing one the hub had closed, and a dead
letter noted on its work order (workorder.DeadLetterNote) each say more than 64 characters. PostgreSQL had the
processed messages' ``outcome`` as VARCHAR(64) and refused them, so each of these messages was retried and
dead-lettered with nothing noted (migration 0024 made it TEXT): the same tests run there in
tests/integration/workflow/test_long_outcomes_on_postgres.py. An outage notice's outcome, cut to 64 characters by
hand until then, says every count again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
import sqlalchemy as sa

from hub.workers import SendResult, WorkerTestClient
from hub.workflow.outages.arrival import NoticeOutcome
from hub.workflow.outages.notices import NoticeArrival
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import processed_messages
from tests.unit.workflow.audit_kit import complete_todo, created, dispatch, send
from tests.unit.workflow.test_dead_letter_note import LETTER, note
from tests.unit.workflow.test_department_todos_closed import DEPARTMENT, _dispatched
from tests.unit.workflow.test_nsp_withdrawal import cancel
from tests.unit.workflow.test_nsp_withdrawal_note import withdrawal_note

pytestmark = pytest.mark.unit

NARROW = 64  # the column's length before migration 0024


def outcomes(runtime: WorkflowRuntime) -> list[str]:
    with runtime.store.engine.connect() as db:
        return [str(found) for found in db.execute(sa.select(processed_messages.c.outcome)).scalars()]


def kept(result: SendResult, runtime: WorkflowRuntime, outcome: str) -> None:
    assert result.processed, result.final.reason
    assert len(outcome) > NARROW and outcome in outcomes(runtime)


def test_nsps_answer_to_a_withdrawal_is_noted_and_its_outcome_kept_whole(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    cancel(client, work_order_id)
    kept(withdrawal_note(client, work_order_id), runtime,
         f"NSP's answer to the withdrawal of {work_order_id} (WITHDRAWN: NSP20261123000417): noted")


def test_oa_ticking_a_departments_todo_is_recorded_and_its_outcome_kept_whole(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = _dispatched(client)
    kept(complete_todo(client, f"{work_order_id}-dsp1", DEPARTMENT), runtime,
         f"department to-do {work_order_id}-dsp1 completed in OA: recorded")


def test_oa_completing_a_todo_the_hub_had_closed_is_noted_and_its_outcome_kept_whole(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = _dispatched(client)
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    kept(complete_todo(client, f"{work_order_id}-dsp1", DEPARTMENT), runtime,
         f"to-do {work_order_id}-dsp1 completed in OA after the hub finished with it: noted")


def test_a_dead_letter_noted_on_its_work_order_keeps_its_outcome_whole(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    kept(note(client, work_order_id), runtime, f"oa.PushTodo {LETTER} to oa dead lettered: noted on {work_order_id}")
    assert note(client, work_order_id).duplicate  # answered from the record, as for any other outcome


def test_an_outage_notices_outcome_says_every_count() -> None:
    stored = SimpleNamespace(notice_id="FLT-20261123-0007", revision=2, status="CLEARED")
    arrival = cast(NoticeArrival, SimpleNamespace(stored=stored, applied=True, previous_status="ACTIVE"))
    outcome = NoticeOutcome(arrival, unlinked=["WO20261123UNLINKED"] * 3, moved=["WO20261123MOVED000"] * 10)
    assert outcome.summary() == "FLT-20261123-0007 r2 CLEARED: 0 linked, 0 replied, 0 left, 3 unlinked, 10 moved"
