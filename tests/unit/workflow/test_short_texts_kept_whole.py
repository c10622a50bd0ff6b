"""A ``c:ShortText`` is up to 200 characters, and the work-order database keeps one that long whole: a complaint's
district (c:Area/c:District) and an outage notice's sending department (nsp:SendingDepartment). PostgreSQL had them
as VARCHAR(64) and refused the longer ones (migration 0014): the same tests run there in
tests/integration/workflow/test_short_texts_on_postgres.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import outage_notices, work_orders
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_outage_rule import NOTICE_ID, complain, notice_envelope

pytestmark = pytest.mark.unit

LONGEST = 200  # c:ShortText's maxLength (schemas/common.xsd)
DISTRICT = ("Futian, around Shenzhen Civic Center, north of Shennan Road up to Lianhua Hill; " * 3)[:LONGEST - 1] + "."
DEPARTMENT = ("Shenzhen Branch, Network Operations Center, Wireless Optimization Section; " * 3)[:LONGEST - 1] + "."


def test_a_complaint_with_a_district_of_200_characters_is_taken_and_kept_whole(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = text(complain(client, district=DISTRICT), "wo:WorkOrderId")
    assert work_order_id is not None and client.dead_letters == []
    with runtime.store.engine.connect() as db:
        kept = db.execute(sa.select(work_orders.c.district).where(work_orders.c.id == work_order_id)).scalar_one()
    assert kept == DISTRICT and len(kept) == LONGEST


def test_a_notice_from_a_department_of_200_characters_is_kept_whole(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime) -> None:
    client.send(notice_envelope(SendingDepartment=DEPARTMENT))
    assert client.dead_letters == []
    with runtime.store.engine.connect() as db:
        kept = db.execute(sa.select(outage_notices.c.sending_department)
                          .where(outage_notices.c.notice_id == NOTICE_ID)).scalar_one()
    assert kept == DEPARTMENT and len(kept) == LONGEST
