"""The start's look for open work orders in categories the taxonomy lacks, on PostgreSQL: the stored codes found by
skipping through the category index with its byte-order operators (``stored_category_codes``), the missing ones
counted (the unit suite's ``test_withdrawn_categories`` runs it on SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.taxonomy import load_taxonomy
from hub.workflow.withdrawn_categories import withdrawn_categories
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.audit_kit import send
from tests.unit.workflow.incident_kit import client_of, settings
from tests.unit.workflow.kit import START, text
from tests.unit.workflow.taxonomy_kit import METRO, with_metro_refinement

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_open_work_orders_in_a_withdrawn_category_are_counted(postgres_server: PostgresServer,
                                                              tmp_path: Path) -> None:
    database = postgres_server.create_database()
    runtime = open_runtime(settings(database, taxonomy=with_metro_refinement(tmp_path / "taxonomy")),
                           clock=ManualClock(START))
    try:
        client = client_of(runtime)
        for number in ("13800138000", "13800138001"):
            assert text(send(client, "CreateWorkOrder.valid.xml", CategoryCode=METRO, Msisdn=number),
                        "wo:State") == "ACCEPTED"
        assert text(send(client, "CreateWorkOrder.valid.xml"), "wo:State") == "ACCEPTED"  # 01.02.03: still there
        assert withdrawn_categories(runtime.store, load_taxonomy(None)) == {METRO: 2}  # the seed lacks it
        assert withdrawn_categories(runtime.store, runtime.engine.taxonomy) == {}
    finally:
        runtime.close()
