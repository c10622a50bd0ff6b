"""Work-order store contract, a processed message's outcome (migration 0024): on SQLite and PostgreSQL alike it is
kept whole however long its handler words it, whichever way the message is recorded (one transaction, a batch, a
batch of claims) and answered to its duplicate; a database at 0023 is brought to head with its records, and goes
back down to 0023 with the longer outcomes cut to the 64 characters the column held there (on PostgreSQL; SQLite
never cut them)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from hub.workflow.store import WorkOrderProcessedStore, WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import _config, current_revision, head_revision, upgrade
from hub.workflow.store.schema import processed_messages
from tests.support.workorder_store import T0

NARROW = 64  # the column's length before 0024
LONG = "department to-do WO20261207AB12CD34-dsp1 completed in OA: recorded; " * 12  # 828 characters


def test_a_long_outcome_is_kept_whole_however_the_message_is_recorded(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction(message_id="m-one") as tx:
        tx.complete(LONG, reply=b"<answer/>")
    processed = WorkOrderProcessedStore(workorder_store)
    (batch,) = processed.run_batch([("m-batch", lambda: LONG)])
    (claim,) = processed.run_claims([("m-claim", lambda: (LONG, None))], before_commit=lambda: None)
    assert batch.error is None and claim.error is None
    assert [processed.outcome(mid) for mid in ("m-one", "m-batch", "m-claim")] == [LONG] * 3
    with workorder_store.transaction(message_id="m-one") as again:  # its duplicate is answered from the record
        assert again.duplicate and (again.outcome, again.reply) == (LONG, b"<answer/>")


def test_a_database_at_0023_keeps_its_records_up_to_head_and_back(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0023")
        with store.engine.begin() as connection:
            connection.execute(processed_messages.insert().values(message_id="m-old", outcome="created",
                                                                  recorded_at=T0))
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        processed = WorkOrderProcessedStore(store)
        assert processed.outcome("m-old") == "created"
        assert processed.record("m-new", LONG) and processed.outcome("m-new") == LONG

        config = _config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0023")
        assert current_revision(store.engine) == "0023"
        with store.engine.connect() as connection:
            found = connection.execute(select(processed_messages.c.message_id, processed_messages.c.outcome))
            kept = {str(message_id): str(outcome) for message_id, outcome in found}
        cut = LONG[:NARROW] if store.engine.dialect.name == "postgresql" else LONG
        assert kept == {"m-old": "created", "m-new": cut}
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()
