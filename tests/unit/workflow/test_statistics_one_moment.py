"""QueryStatistics answers the figures of one moment: read in a transaction of their own, not in the batch's, whose
rows hold its earlier messages' changes while their counter additions wait for its commit. A late reply in the
same batch as the query counts once — as overdue (the query sees the moment before the batch) — and the next query
counts it late. An in-memory store (one connection) reads in the batch's transaction with its held counts written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.routing.codec import message_from_envelope
from hub.routing.outbound import BrokerOutbound
from hub.routing.table import RoutingTable
from hub.transport import Broker, TopologyConfig, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker, WorkerTestClient
from hub.workflow import wiring
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from tests.unit.workflow.kit import START, WO, act, command, envelope, text
from tests.unit.workflow.test_statistics_counters import create

pytestmark = pytest.mark.unit

FIGURES = ("InSla", "Late", "Overdue", "Compliance")


@pytest.fixture(params=["file", "memory"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WorkflowRuntime]:
    """A SQLite file, and a memory database (one connection: no transaction beside the batch's)."""
    url = f"sqlite:///{tmp_path / 'workorders.db'}" if request.param == "file" else "sqlite://"
    opened = open_runtime(WorkflowSettings(database=url), clock=ManualClock(START))
    yield opened
    opened.close()


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"s{uuid.uuid4().hex[:10]}")) as opened:
        yield opened


def statistics_query() -> tuple[etree._Element, str]:
    document, message_id = command("QueryStatistics.valid.xml")
    for name in ("AreaCode", "CategoryLevel", "Top"):
        found = document.find(f"{{{WO}}}{name}")
        assert found is not None
        document.remove(found)
    days = document.find(f"{{{WO}}}Days")
    assert days is not None
    days[0].text = days[1].text = "2026-11-23"
    return document, message_id


def tier_sla(root: etree._Element) -> list[str | None]:
    return [text(root, f"wo:TierSla/wo:{name}") for name in FIGURES]


def one_batch(broker: Broker, runtime: WorkflowRuntime,
              *documents: tuple[etree._Element, str]) -> list[etree._Element]:
    """The documents handled by the workflow worker as one batch (one transaction), their answers in order."""
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=broker.config.consumers, command_types=sets.command_types())
    outbound = BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=5)
    worker = Worker(broker, wiring.CONSUMER, wiring.handlers, store=WorkOrderProcessedStore(runtime.store, max_batch=8),
                    dependencies={"workflow": runtime}, outbound=outbound)
    envelopes = [envelope(document, message_id) for document, message_id in documents]
    futures = [broker.request(broker.config.commands_exchange,
                              message_from_envelope(env, routing_key(wiring.CONSUMER, env.command_type),
                                                    for_request=True), timeout=15) for env in envelopes]
    queue = broker.config.queue(wiring.CONSUMER)
    deliveries = [broker.get(queue) for _ in futures]
    worker.handle_batch([d for d in deliveries if d is not None])
    return [etree.fromstring(future.result(5).body) for future in futures]


def test_a_query_in_the_batch_of_a_late_reply_counts_that_limit_once(
        client: WorkerTestClient, runtime: WorkflowRuntime, broker: Broker) -> None:
    in_time, late = create(client), create(client, Msisdn="13900139000")  # VIP_GOLD: reply within 6 h
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(hours=1))
    act(client, in_time, "WorkOrderAction.valid-reply.xml")
    runtime.clock.advance(timedelta(days=1))  # the other one's limit ran out unreplied
    reply = command("WorkOrderAction.valid-reply.xml", WorkOrderId=late)
    replied, during = one_batch(broker, runtime, reply, statistics_query())
    assert text(replied, "wo:State") == "REPLIED"
    # two limits ran out, one kept: the late one overdue as of the last commit (a memory store: late, in the batch)
    memory = runtime.store.dialect == "sqlite" and not runtime.store.engine.url.database
    assert tier_sla(during) == (["1", "1", "0", "0.5"] if memory else ["1", "0", "1", "0.5"])
    (after,) = one_batch(broker, runtime, statistics_query())
    assert tier_sla(after) == ["1", "1", "0", "0.5"]

