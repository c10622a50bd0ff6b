"""The ingress on the real backbone: accepted means confirmed by RabbitMQ; routes reload without losses."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from hub.config.settings import HubSettings, load_settings
from hub.ingress.app import create_app
from hub.routing.codec import envelope_from_message
from hub.transport import Message, TopologyConfig, open_broker
from tests.support.servers import free_port, running_asgi

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

WAIT = 60.0
TOKEN = {"authorization": "Bearer cs-dev-token", "content-type": "application/xml"}


def wait_for(condition, what: str, timeout: float = WAIT) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def prefix() -> str:
    return f"i{uuid.uuid4().hex[:8]}"


@pytest.fixture
def observer(rabbitmq_server, prefix):
    """A second connection to the same broker and topology, to look at queues from outside the hub."""
    broker = open_broker(rabbitmq_server.url, TopologyConfig(prefix=prefix))
    yield broker
    broker.close()


ONE_WAY = ('[[routes]]\nname = "work orders, one way: these tests look at the hand-over, not the workflow\'s answer"\n'
           'commands = ["workorder.*"]\nto = ["workflow"]\n')


def settings_for(url: str, prefix: str, tmp_path: Path) -> HubSettings:
    """The ingress on RabbitMQ with CreateWorkOrder routed one way (the built-in table makes it a request the
    workflow answers): accepted means confirmed, and the command waits in the workflow's queue for the test."""
    routes = tmp_path / "one-way-routes.toml"
    routes.write_text(ONE_WAY, "utf-8")
    defaults = load_settings()
    return HubSettings(callers=defaults.callers, broker_url=url, topology_prefix=prefix, routing_file=routes)


def work_order(examples_dir: Path, message_id: str) -> bytes:
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    return document.replace(b"cs-20261123-000001", message_id.encode())


def drain(broker, queue: str, count: int) -> list[Message]:
    got: list[Message] = []
    lock = threading.Lock()

    def handler(delivery):
        with lock:
            got.append(delivery.message)
        delivery.ack()

    consumer = broker.consume(queue, handler)
    wait_for(lambda: len(got) >= count, f"{count} messages on {queue}")
    consumer.close()
    return got


def test_accepted_commands_are_confirmed_in_rabbitmq_with_their_envelope(
    rabbitmq_server, prefix, observer, examples_dir, tmp_path
):
    hub = create_app(settings_for(rabbitmq_server.url, prefix, tmp_path))
    with running_asgi(hub.asgi) as base_url:
        assert httpx.get(f"{base_url}/readyz").status_code == 200
        response = httpx.post(f"{base_url}/xml/workorder", content=work_order(examples_dir, "bb-accept-00001"),
                              headers=TOKEN)
        assert response.status_code == 202, response.text
        # 202 is sent only after the confirm: the message is in the queue now, not eventually.
        assert observer.message_count(observer.config.queue("workflow")) == 1
        again = httpx.post(f"{base_url}/xml/workorder", content=work_order(examples_dir, "bb-accept-00001"),
                           headers=TOKEN)
        assert again.status_code == 200
        metrics = httpx.get(f"{base_url}/metrics").text
        assert "onepoint_broker_connected 1.0" in metrics
        assert hub.metrics.value("onepoint_messages_published_total", target="workflow") == 1
    [message] = drain(observer, observer.config.queue("workflow"), 1)
    envelope = envelope_from_message(message)
    assert (envelope.message_id, envelope.command_type, envelope.source_system) == (
        "bb-accept-00001", "workorder.CreateWorkOrder", "CS")
    assert envelope.headers == {"ingress": "xml", "caller": "cs-frontend"}
    assert message.routing_key == "workflow.workorder.CreateWorkOrder"


def test_readiness_follows_the_broker_and_nothing_is_accepted_while_it_is_down(
    rabbitmq_server, prefix, observer, examples_dir, tmp_path
):
    hub = create_app(settings_for(rabbitmq_server.url, prefix, tmp_path))
    with running_asgi(hub.asgi) as base_url:
        rabbitmq_server.stop(hard=True)
        try:
            wait_for(lambda: httpx.get(f"{base_url}/readyz").status_code == 503, "readyz to turn false")
            refused = httpx.post(f"{base_url}/xml/workorder", content=work_order(examples_dir, "bb-down-000001"),
                                 headers=TOKEN, timeout=WAIT)
            assert refused.status_code == 503
            assert refused.headers["retry-after"]
        finally:
            rabbitmq_server.start()
        wait_for(lambda: httpx.get(f"{base_url}/readyz").status_code == 200, "readyz to turn true again")
        accepted = httpx.post(f"{base_url}/xml/workorder", content=work_order(examples_dir, "bb-down-000002"),
                              headers=TOKEN)
        assert accepted.status_code == 202, accepted.text
    wait_for(lambda: observer.ready(), "the observer to reconnect")
    messages = drain(observer, observer.config.queue("workflow"), 1)
    assert [m.message_id for m in messages] == ["bb-down-000002"]


def test_routes_reload_on_sighup_without_losing_in_flight_commands(rabbitmq_server, prefix, observer, tmp_path,
                                                                   examples_dir):
    routes = tmp_path / "routes.toml"
    everything_else = "".join(
        f'[[routes]]\nname = "{s}"\ncommands = "{s}.*"\nto = "{t}"\n'
        for s, t in [("boss", "boss"), ("crm", "crm"), ("dsmp", "dsmp"), ("oa", "oa"), ("nsp", "nsp")]
    )
    routes.write_text('[[routes]]\nname = "wo"\ncommands = "workorder.*"\nto = "workflow"\n' + everything_else)
    config = tmp_path / "hub.toml"
    port = free_port()
    defaults = Path(__file__).resolve().parents[2] / "hub" / "config" / "defaults.toml"
    callers = defaults.read_text().split("[[callers]]", 1)[1]
    config.write_text(
        f'[server]\nport = {port}\n[broker]\nurl = "{rabbitmq_server.url}"\nprefix = "{prefix}"\n'
        f'[routing]\nfile = "routes.toml"\n[[callers]]{callers}'
    )
    pid_file = tmp_path / "hub.pid"
    log = (tmp_path / "hub.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "serve", "--config", str(config), "--no-workers",
         "--pid-file", str(pid_file), "--log-level", "WARNING"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(base_url), "the hub to serve")
        accepted: list[str] = []
        stop = threading.Event()

        def send() -> None:
            with httpx.Client(timeout=WAIT) as client:
                n = 0
                while not stop.is_set():
                    message_id = f"bb-reload-{n:05d}"
                    r = client.post(f"{base_url}/xml/workorder", content=work_order(examples_dir, message_id),
                                    headers=TOKEN)
                    assert r.status_code == 202, r.text
                    accepted.append(message_id)
                    n += 1

        sender = threading.Thread(target=send)
        sender.start()
        wait_for(lambda: len(accepted) >= 50, "50 accepted commands")
        routes.write_text('[[routes]]\nname = "wo"\ncommands = "workorder.*"\nto = ["workflow", "oa"]\n'
                          + everything_else)
        result = subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "routes", "reload",
                                 "--pid-file", str(pid_file)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert f"{server.pid} reloaded its routing table: {routes}, 6 routes" in result.stdout
        reloaded_at = len(accepted)
        wait_for(lambda: observer.message_count(observer.config.queue("oa")) >= 20, "commands routed to oa")
        stop.set()
        sender.join(WAIT)
        total = len(accepted)
        assert total > reloaded_at
        workflow_ids = [m.message_id for m in drain(observer, observer.config.queue("workflow"), total)]
        assert sorted(workflow_ids) == sorted(accepted)  # every accepted command, once, reload or not
        oa_count = observer.message_count(observer.config.queue("oa"))
        assert 0 < oa_count <= total - 50
        routes.write_text('[[routes]]\nname = "wo"\ncommands = "workorder.*"\nto = "billing"\n' + everything_else)
        refused = subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "routes", "reload",
                                  "--pid-file", str(pid_file)], capture_output=True, text=True, check=False)
        assert refused.returncode == 1, refused.stdout  # the hub said no: the running table stays
        assert f"{server.pid} kept its routing table" in refused.stderr and "billing" in refused.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(WAIT)
        log.close()
    assert not pid_file.exists(), (tmp_path / "hub.log").read_text()
    assert not (tmp_path / "hub.pid.reload").exists()


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz").status_code == 200
    except httpx.TransportError:
        return False
