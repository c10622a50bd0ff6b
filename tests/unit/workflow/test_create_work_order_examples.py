"""Every shipped valid CreateWorkOrder example is accepted by the real workflow handler: a work order is created
(the examples are what integrators copy; one whose category the packaged taxonomy lacked was refused 422
unknown-category)."""

from __future__ import annotations

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import EXAMPLES, WO, answer, command, envelope, text

pytestmark = pytest.mark.unit

VALID_CREATES = sorted(path.name for path in (EXAMPLES / "workorder").glob("CreateWorkOrder.valid*.xml"))


def test_the_valid_create_examples_are_found() -> None:
    assert "CreateWorkOrder.valid.xml" in VALID_CREATES and "CreateWorkOrder.valid-web-zh.xml" in VALID_CREATES


@pytest.mark.parametrize("example", VALID_CREATES)
def test_each_valid_create_example_becomes_a_work_order(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                        example: str) -> None:
    created = answer(client.request(envelope(*command(example))))
    detail = f"{example}: {created.tag} {text(created, '{*}Code')} {text(created, '{*}Message')}"
    assert created.tag == f"{{{WO}}}CreateWorkOrderResponse", detail
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id, detail
    assert runtime.store.get_work_order(work_order_id) is not None
