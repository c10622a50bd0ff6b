"""``onepoint worker`` as a real process on a real RabbitMQ: effects once, permanent errors dead-lettered, its own
``/readyz`` on --metrics-port."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.transport import TopologyConfig, open_broker, routing_key
from tests.support.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_worker_process_applies_each_effect_once_and_dead_letters_permanent_errors(rabbitmq_server, tmp_path):
    prefix = f"w{uuid.uuid4().hex[:8]}"
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "{rabbitmq_server.url}"\nprefix = "{prefix}"\n')
    effects = tmp_path / "effects.txt"
    log = (tmp_path / "worker.log").open("wb")
    probes_port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "worker", "boss",
         "--handlers", "tests.support.worker_handlers:handlers",
         "--dependencies", "tests.support.worker_handlers:dependencies",
         "--config", str(config), "--store", f"sqlite:///{tmp_path / 'processed.sqlite3'}",
         "--metrics-port", str(probes_port)],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "ONEPOINT_TEST_EFFECTS": str(effects), "PYTHONWARNINGS": "ignore"},
    )
    broker = open_broker(rabbitmq_server.url, TopologyConfig(prefix=prefix))
    try:
        exchange = broker.config.commands_exchange
        key = routing_key("boss", "boss.SyncHLR")
        for n in range(5):
            envelope = Envelope(f"sync-{n:012d}", "boss.SyncHLR", "CS", b"<sync/>")
            broker.publish(exchange, message_from_envelope(envelope, key)).result(10)
        again = Envelope("sync-000000000000", "boss.SyncHLR", "CS", b"<sync/>")  # a redelivered copy
        broker.publish(exchange, message_from_envelope(again, key)).result(10)
        refused = Envelope("sync-refused-0001", "boss.SyncHLR", "CS", b"<refuse/>")
        broker.publish(exchange, message_from_envelope(refused, key)).result(10)

        wait_for(lambda: effects.exists() and len(effects.read_text().split()) >= 5, "five effects")
        wait_for(lambda: broker.message_count(broker.config.dead_letter_queue("boss")) == 1, "the dead letter")
        wait_for(lambda: broker.message_count(broker.config.queue("boss")) == 0, "the queue to drain")
        assert sorted(effects.read_text().split()) == [f"sync-{n:012d}" for n in range(5)]
        readiness = httpx.get(f"http://127.0.0.1:{probes_port}/readyz", timeout=10)  # the worker's own /readyz
        assert readiness.status_code == 200, readiness.text
        assert readiness.json()["checks"] == {"broker": True} and readiness.json()["consumer"] == "boss"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
        log.close()
        broker.close()
    assert code == 0, (tmp_path / "worker.log").read_text()


def test_a_worker_whose_queue_was_redeclared_otherwise_exits_naming_it(rabbitmq_server, tmp_path):
    """The queue deleted and declared again as a classic queue (an operator's mistake, another version), then the
    worker's connections closed: its reconnect is refused (406 inequivalent arg) and no retry cures that, so the
    process exits 1 with the queue named instead of staying alive consuming nothing."""
    import pika

    prefix = f"w{uuid.uuid4().hex[:8]}"
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "{rabbitmq_server.url}"\nprefix = "{prefix}"\n')
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "worker", "bulletin", "--config", str(config),
         "--store", f"sqlite:///{tmp_path / 'processed.sqlite3'}", "--log-level", "ERROR"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    queue = TopologyConfig(prefix=prefix).queue("bulletin")
    try:
        wait_for(lambda: queue in rabbitmq_server.ctl("list_consumers", "queue_name", "--quiet"), "the consumer")
        connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_server.url))
        channel = connection.channel()
        channel.queue_delete(queue)
        channel.queue_declare(queue, durable=True)  # classic, not quorum
        connection.close()
        rabbitmq_server.ctl("close_all_connections", "test: reconnect")
        code = process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
        output = process.stdout.read().decode() if process.stdout else ""
        if process.stdout:
            process.stdout.close()
    assert code == 1, output
    assert queue in output and "bulletin worker stopped" in output, output


def test_a_worker_in_json_log_mode_writes_only_json_lines_to_standard_error(rabbitmq_server, tmp_path):
    """``--log-format json``: standard error is the log alone, one JSON object per line for a collector; the lines
    for a person (``metrics on ...``, ``consuming ...``) go to standard output (audit of on-call views, repro_2)."""
    prefix = f"w{uuid.uuid4().hex[:8]}"
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "{rabbitmq_server.url}"\nprefix = "{prefix}"\n')
    out, err = tmp_path / "worker.out", tmp_path / "worker.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "worker", "boss",
             "--handlers", "tests.support.worker_handlers:handlers",
             "--dependencies", "tests.support.worker_handlers:dependencies",
             "--config", str(config), "--store", f"sqlite:///{tmp_path / 'processed.sqlite3'}",
             "--metrics-port", "0", "--log-format", "json"],
            stdout=stdout, stderr=stderr,
            env={**os.environ, "ONEPOINT_TEST_EFFECTS": str(tmp_path / "effects.txt"), "PYTHONWARNINGS": "ignore"},
        )
    try:
        wait_for(lambda: "consuming " in out.read_text("utf-8") or process.poll() is not None, "the worker")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
    printed = out.read_text("utf-8").splitlines()
    assert code == 0, err.read_text("utf-8")
    assert printed[0].startswith("metrics on http://127.0.0.1:") and printed[1].startswith("consuming "), printed
    events = [json.loads(line)["event"] for line in err.read_text("utf-8").splitlines()]  # each line one object
    assert "worker started" in events, events
