"""A category withdrawn from the taxonomy while work orders are still in it (an analyst removes a level-4
refinement and restarts): the restart names each such category and its open work orders in one WARNING; a
Dispatch of one is refused ``unknown-category`` naming the category (it was a KeyError the worker retried as a
transient failure until it was dead-lettered, the caller waiting 15 s for a 504); the actions that need no template
(Start, Reply, Cancel) go on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.unit.workflow.audit_kit import dispatch, send
from tests.unit.workflow.incident_kit import client_of, settings
from tests.unit.workflow.kit import START, text
from tests.unit.workflow.taxonomy_kit import METRO, with_metro_refinement

pytestmark = pytest.mark.unit


def opened(database: str, taxonomy: Path | None) -> tuple[WorkflowRuntime, WorkerTestClient]:
    runtime = open_runtime(settings(database, taxonomy=taxonomy), clock=ManualClock(START))
    return runtime, client_of(runtime)


def metro_complaint(client: WorkerTestClient, **paths: str) -> str:
    work_order_id = text(send(client, "CreateWorkOrder.valid.xml", CategoryCode=METRO, **paths), "wo:WorkOrderId")
    assert work_order_id is not None
    return work_order_id


@pytest.fixture
def withdrawn(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A store with work orders in 01.02.03.009 taken on a taxonomy that has it: one waiting for a dispatch, one
    dispatched, one cancelled; returns the database and their ids."""
    database = f"sqlite:///{tmp_path / 'wo.db'}"
    runtime, client = opened(database, with_metro_refinement(tmp_path / "taxonomy"))
    try:
        ids = {name: metro_complaint(client, Msisdn=number) for name, number in
               (("waiting", "13800138000"), ("cancelled", "13800138001"), ("dispatched", "13800138002"))}
        assert text(dispatch(client, ids["dispatched"]), "wo:State") == "DISPATCHED"
        assert text(send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=ids["cancelled"]), "wo:State") \
            == "CANCELLED"
    finally:
        runtime.close()
    return database, ids


def test_the_restart_names_each_withdrawn_category_and_its_open_work_orders(
        withdrawn: tuple[str, dict[str, str]], caplog: pytest.LogCaptureFixture) -> None:
    database, _ = withdrawn
    with caplog.at_level(logging.WARNING, logger="onepoint.workflow"):
        runtime, _ = opened(database, None)  # the packaged seed: the refinement withdrawn
    runtime.close()
    (warning,) = [r for r in caplog.records if getattr(r, "open_by_category", None) is not None]
    assert warning.levelno == logging.WARNING
    assert warning.open_by_category == {METRO: 2}  # type: ignore[attr-defined]  # the cancelled one is not open
    assert "no longer has" in warning.getMessage()


def test_a_dispatch_in_a_withdrawn_category_is_refused_by_name_and_the_other_actions_go_on(
        withdrawn: tuple[str, dict[str, str]]) -> None:
    database, ids = withdrawn
    runtime, client = opened(database, None)
    try:
        refused = dispatch(client, ids["waiting"])
        assert text(refused, "c:Code") == "unknown-category"
        message = text(refused, "c:Message") or ""
        assert METRO in message and ids["waiting"] in message and "no longer in the taxonomy" in message
        assert runtime.store.get_work_order(ids["waiting"]).row["state"] == "ACCEPTED"  # type: ignore[union-attr]

        dispatched = ids["dispatched"]
        assert text(send(client, "WorkOrderAction.valid-start.xml", WorkOrderId=dispatched), "wo:State") \
            == "IN_PROGRESS"
        assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=dispatched), "wo:State") \
            == "REPLIED"
        assert text(send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=ids["waiting"]), "wo:State") \
            == "CANCELLED"
    finally:
        runtime.close()


def test_a_start_on_a_taxonomy_holding_every_stored_category_says_nothing(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    database = f"sqlite:///{tmp_path / 'wo.db'}"
    runtime, client = opened(database, with_metro_refinement(tmp_path / "taxonomy"))
    try:
        metro_complaint(client)
    finally:
        runtime.close()
    with caplog.at_level(logging.WARNING, logger="onepoint.workflow"):
        runtime, _ = opened(database, tmp_path / "taxonomy")
    runtime.close()
    assert not [r for r in caplog.records if getattr(r, "open_by_category", None) is not None]
