"""``onepoint worker`` as a process on RabbitMQ: it answers requests and gives handlers their outbound path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hub.envelope import Envelope
from hub.routing.codec import envelope_from_message, message_from_envelope
from hub.routing.outbound import derive_message_id
from hub.transport import Broker, TopologyConfig, open_broker, routing_key
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.worker_handlers import example, tier_query
from tests.unit.workers.kit import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]


@contextmanager
def worker_process(url: str, tmp_path: Path, consumer: str, handlers: str) -> Iterator[Broker]:
    prefix = f"c{uuid.uuid4().hex[:8]}"
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "{url}"\nprefix = "{prefix}"\n')
    log_path = tmp_path / f"{consumer}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "worker", consumer, "--handlers", handlers,
             "--dependencies", "tests.support.worker_handlers:dependencies",
             "--config", str(config), "--store", f"sqlite:///{tmp_path / 'processed.sqlite3'}"],
            stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "ONEPOINT_TEST_EFFECTS": str(tmp_path / "effects"), "PYTHONWARNINGS": "ignore"},
        )
        broker = open_broker(url, TopologyConfig(prefix=prefix))
        try:
            yield broker
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(60)
            broker.close()
    assert code == 0, log_path.read_text()


def test_the_worker_process_answers_a_request(rabbitmq_server: RabbitMQServer, tmp_path: Path) -> None:
    with worker_process(rabbitmq_server.url, tmp_path, "boss", "tests.support.worker_handlers:handlers") as broker:
        mid = "cli-query-0000001"
        query = Envelope(mid, "boss.QueryCustomerTier", "CS", tier_query(message_id=mid))
        message = message_from_envelope(query, routing_key("boss", query.command_type), for_request=True)
        reply = broker.request(broker.config.commands_exchange, message, timeout=30).result(40)
    assert b"QueryCustomerTierResponse" in reply.body and mid.encode() in reply.body


def test_the_worker_process_gives_handlers_the_routing_tables_outbound(
    rabbitmq_server: RabbitMQServer, tmp_path: Path
) -> None:
    handlers = "tests.support.worker_handlers:dispatching"
    with worker_process(rabbitmq_server.url, tmp_path, "workflow", handlers) as broker:
        cause = Envelope("cli-order-0000001", "workorder.CreateWorkOrder", "CS",
                         example("workorder/CreateWorkOrder.valid.xml"))
        broker.publish(broker.config.commands_exchange,
                       message_from_envelope(cause, routing_key("workflow", cause.command_type))).result(10)
        nsp = broker.config.queue("nsp")
        wait_until(lambda: broker.message_count(nsp) == 1, "the dispatch in the nsp queue")
        delivery = broker.get(nsp)
        assert delivery is not None
        delivery.ack()
    sent = envelope_from_message(delivery.message)
    assert sent.command_type == "nsp.NetworkComplaintDispatch"
    assert sent.message_id == derive_message_id(cause.message_id, "dispatch-nsp", "workflow", cause.source_system)
