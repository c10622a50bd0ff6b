"""A complaint taken while an outage notice arrives, on SQLite: the two transactions cannot overlap (every write
transaction begins with ``BEGIN IMMEDIATE``, the database's one write lock), so the notice's arrival waits for the
intake in flight and then links its complaint. The same interleavings on PostgreSQL, where nothing but the outage
notices lock makes them wait, are tests/integration/workflow/test_outage_race_on_postgres.py (it imports the
helpers below)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from hub.bulletin.notice import parse_outage_notice
from hub.envelope import Envelope
from hub.workflow.commands import Complaint
from hub.workflow.intake import IntakeOutcome, apply_intake_rules
from hub.workflow.outages import NoticeOutcome, outage_rule
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.schema import work_orders
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_outage_rule import NOTICE_ID, notice_envelope

pytestmark = pytest.mark.unit

CALLS = "01.02.03"  # cannot originate calls: an outage of VOICE explains it


def complaint(number: int, message_id: str | None = None) -> Complaint:
    """A voice complaint from Futian (0755) that the example notice explains, of customer ``number``, taken at an
    intake point of its own (complaints of one point count on one row of the mass-complaint rule's window)."""
    msisdn = f"1390013{number:04d}"
    return Complaint(channel="HOTLINE", msisdn=msisdn, contact_number=msisdn, category_code=CALLS,
                     phenomenon="Cannot originate calls", description="calls fail", occurred_at=START - timedelta(
                         minutes=35), location="Futian", area_code="0755", district="Futian", taken_by="agent-1024",
                     message_id=message_id or f"cs-race-{number}", intake_point=f"SITE-{number}")


def take(runtime: WorkflowRuntime, tx: WorkOrderTransaction, number: int,
         message_id: str | None = None) -> tuple[str, list[IntakeOutcome]]:
    """Create the complaint of customer ``number`` in ``tx`` and run the intake rules (the CreateWorkOrder
    handler's steps before its answer): the work order id and the rules' outcomes."""
    taken = complaint(number, message_id)
    created = runtime.engine.create(tx, taken, TierFacts("", "PREPAID"), START)
    return created.row["id"], apply_intake_rules(runtime.intake_rules, tx, created, taken, START)


def arrive(runtime: WorkflowRuntime, envelope: Envelope, now: datetime = START) -> NoticeOutcome:
    """The notice handler's step in a transaction of its own, committed."""
    with runtime.store.transaction(envelope.message_id) as tx:
        return receive(runtime, tx, envelope, now)


def receive(runtime: WorkflowRuntime, tx: WorkOrderTransaction, envelope: Envelope,
            now: datetime = START) -> NoticeOutcome:
    """The notice handler's step in ``tx``."""
    rule = outage_rule(runtime.intake_rules)
    assert rule is not None
    return rule.notice_received(tx, parse_outage_notice(envelope.payload), now, message_id=envelope.message_id)


def linked_notice(runtime: WorkflowRuntime, work_order_id: str) -> tuple[str | None, str]:
    """The work order's ``outage_id`` and state, as committed."""
    with runtime.store.engine.connect() as connection:
        row = connection.execute(select(work_orders.c.outage_id, work_orders.c.state)
                                 .where(work_orders.c.id == work_order_id)).one()
    return row.outage_id, str(row.state)


def test_on_sqlite_a_notice_cannot_arrive_while_an_intake_is_in_flight(runtime: WorkflowRuntime) -> None:
    intake = runtime.store.begin("cs-race-sqlite")
    work_order_id, outcomes = take(runtime, intake, 1)
    assert outcomes == []  # no notice yet: it would be handled as usual
    impatient = create_store_engine(str(runtime.store.engine.url), busy_timeout_ms=0)
    try:
        with pytest.raises(OperationalError, match="locked"), impatient.begin():
            pass  # any other write transaction (the notice's) waits for the intake's commit
    finally:
        impatient.dispose()
    runtime.store.finish(intake, commit=True)

    outcome = arrive(runtime, notice_envelope())
    assert outcome.linked == [work_order_id]
    assert linked_notice(runtime, work_order_id) == (NOTICE_ID, "ACCEPTED")
