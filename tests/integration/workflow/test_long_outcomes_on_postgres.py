"""The tests of tests/unit/workflow/test_long_outcomes_kept.py on PostgreSQL (a fresh database of the session's
private cluster per test): NSP's answer to a withdrawal, OA ticking a department's to-do or completing one the hub
had closed, and a dead letter noted on its work order are carried out and their outcomes (over 64 characters)
recorded whole; before migration 0024 the processed messages' ``outcome`` was VARCHAR(64), PostgreSQL refused the
record, and each message was retried and dead-lettered with nothing noted. A value PostgreSQL refuses is now a
permanent failure (dead-lettered at once, with its reason)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from hub.workers import Classifier, Verdict
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_long_outcomes_kept import (  # noqa: F401 - collected here too
    test_a_dead_letter_noted_on_its_work_order_keeps_its_outcome_whole,
    test_nsps_answer_to_a_withdrawal_is_noted_and_its_outcome_kept_whole,
    test_oa_completing_a_todo_the_hub_had_closed_is_noted_and_its_outcome_kept_whole,
    test_oa_ticking_a_departments_todo_is_recorded_and_its_outcome_kept_whole,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


def test_a_value_postgresql_refuses_is_dead_lettered_at_once_not_retried(runtime: WorkflowRuntime) -> None:
    """Should a column still be too narrow for what a handler writes, the message goes to the DLQ with the reason at
    its first attempt: the same values are refused again however often it is tried."""
    with runtime.store.engine.connect() as db:
        db.execute(sa.text("CREATE TEMPORARY TABLE narrow (v varchar(4))"))
        with pytest.raises(DBAPIError) as refused:
            db.execute(sa.text("INSERT INTO narrow VALUES (:v)"), {"v": "longer than four"})
    found = Classifier()(refused.value)
    assert found.verdict is Verdict.PERMANENT and "value too long" in found.reason
