"""Work-order store contract, the fault report's and information notice's own fields kept with an outage notice
(migration 0021): on SQLite and PostgreSQL alike, a database at 0020 is brought to head with its notices (their
fields empty), and a notice's fields are written and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect

from hub.bulletin import parse_outage_notice
from hub.workflow.outages import get_notice, record_notice
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import current_revision, head_revision, upgrade
from hub.workflow.store.schema import outage_notices
from tests.support.workorder_store import T0

ADDED = ("initiator", "reply_time", "feedback_result", "feedback_handler", "feedback_phone", "feedback_at",
         "customer_service_feedback", "sender_answer")


def test_a_database_at_0020_gets_the_report_columns_with_its_notices(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0020")
        with store.engine.begin() as connection:
            connection.execute(outage_notices.insert().values(
                notice_id="FLT-20261201-0001", revision=1, kind="FAULT", title="old", status="ACTIVE",
                services="VOICE", areas='[{"code": "0755", "district": null}]', start_at=T0,
                customer_wording="w", received_at=T0, updated_at=T0))
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        columns = {column["name"]: column for column in inspect(store.engine).get_columns("outage_notices")}
        assert all(columns[name]["nullable"] for name in ADDED)
        with store.transaction() as tx:
            kept = get_notice(tx.db, "FLT-20261201-0001")
        assert kept is not None and kept.report is None
    finally:
        store.close()


def test_the_fields_are_written_and_read_back(workorder_store: WorkOrderStore, examples_dir: Path) -> None:
    notice = parse_outage_notice((examples_dir / "nsp" / "OutageNotice.valid-cleared-with-feedback.xml").read_bytes())
    with workorder_store.transaction() as tx:
        record_notice(tx.db, notice, T0)
    with workorder_store.transaction() as tx:
        kept = get_notice(tx.db, "FLT-20261123-0007")
    assert kept is not None and kept.report is not None
    assert (kept.report.feedback_handler, kept.report.feedback_phone) == ("Wang Lei", "13812345678")
    assert kept.report.feedback_at == datetime(2026, 11, 23, 3, 5, tzinfo=UTC)
