"""Broker URLs: one or several node addresses; a malformed one is a configuration error naming the setting."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.settings import ConfigError, load_settings
from hub.transport import BrokerURLError, Topology, TopologyConfig, open_broker
from hub.transport.amqp.declarations import Declarations
from hub.transport.amqp.getter import BlockingGetter
from hub.transport.amqp.nodes import NodeAddresses
from hub.transport.amqp.queue_reads import QueueReads
from hub.transport.message import Message
from hub.transport.urls import node_urls, redacted

pytestmark = pytest.mark.unit

CLUSTER = "amqp://hub:s3cret@127.0.0.1:5673,127.0.0.1:5674,localhost:5675/%2F?heartbeat=30"


def test_a_cluster_url_gives_one_url_per_node_with_the_shared_credentials_vhost_and_options() -> None:
    assert node_urls(CLUSTER) == (
        "amqp://hub:s3cret@127.0.0.1:5673/%2F?heartbeat=30",
        "amqp://hub:s3cret@127.0.0.1:5674/%2F?heartbeat=30",
        "amqp://hub:s3cret@localhost:5675/%2F?heartbeat=30",
    )
    assert node_urls("amqps://127.0.0.1") == ("amqps://127.0.0.1",)


@pytest.mark.parametrize("url", [
    "redis://127.0.0.1",  # unknown scheme
    "127.0.0.1:5672",  # no scheme
    "amqp://",  # no address
    "amqp://hub:s3cret@/%2F",  # empty address
    "amqp://hub:s3cret@127.0.0.1:5673,,127.0.0.1:5675/%2F",  # an empty address in the list
    "amqp://hub:s3cret@127.0.0.1:http/%2F",  # a port that is no number
    "amqp://hub:s3cret@127.0.0.1:70000/%2F",  # out of range
    "amqp://hub:s3cret@:5672/%2F",  # no host
    "amqp://hub@127.0.0.1:5672/%2F",  # a user without a password (pika failed on it with a TypeError)
])
def test_malformed_urls_are_refused_without_showing_the_password(url: str) -> None:
    with pytest.raises(BrokerURLError) as refused:
        node_urls(url)
    assert "s3cret" not in str(refused.value)
    with pytest.raises(BrokerURLError):
        open_broker(url)


def test_redacted_hides_only_the_password() -> None:
    assert redacted(CLUSTER) == "amqp://hub:***@127.0.0.1:5673,127.0.0.1:5674,localhost:5675/%2F?heartbeat=30"
    assert redacted("memory://") == "memory://"


def test_node_addresses_move_to_the_next_node_on_failure_and_wrap_around() -> None:
    nodes = NodeAddresses(node_urls(CLUSTER))
    assert nodes.describe() == "127.0.0.1:5673"
    assert not nodes.tried_all()
    nodes.failed()
    assert nodes.describe() == "127.0.0.1:5674"
    assert [p.port for p in nodes.in_turn()] == [5674, 5675, 5673]
    nodes.failed()
    assert nodes.tried_all()  # the third address is the last untried one
    nodes.failed()
    assert nodes.describe() == "127.0.0.1:5673"
    nodes.connected()
    assert not nodes.tried_all()


def test_the_declaration_has_the_limits_of_the_connection_it_precedes() -> None:
    """The I/O thread declares before every connection: the URL's limits, else pika's (10 s, 15 s), never the
    operator tools' bounded handshake (a node slow to answer, 6 s, was refused at every start and reconnect)."""
    topology = Topology.build(TopologyConfig(prefix="t"))
    pikas = Declarations(node_urls(CLUSTER), topology)._nodes.parameters
    assert {(p.socket_timeout, p.stack_timeout) for p in pikas} == {(10.0, 15.0)}
    own = Declarations(node_urls("amqp://127.0.0.1:5673/%2F?socket_timeout=2&stack_timeout=4"), topology)
    assert [(p.socket_timeout, p.stack_timeout) for p in own._nodes.parameters] == [(2.0, 4.0)]
    assert NodeAddresses(node_urls(CLUSTER)).current.stack_timeout == 15.0  # the I/O thread's connection: pika's


def test_queue_reads_bound_their_handshake_unless_the_url_sets_its_own_limits() -> None:
    """``message_count(s)`` and ``purge`` (the DLQ tools, the depth gauges): the bounded handshake, and a URL's own
    connect limit never left with a shorter whole-handshake limit."""
    bounded = QueueReads(node_urls(CLUSTER))._blocking_nodes.parameters
    assert {(p.socket_timeout, p.stack_timeout) for p in bounded} == {(3.0, 5.0)}  # HANDSHAKE_TIMEOUTS
    own = QueueReads(node_urls("amqp://127.0.0.1:5673/%2F?socket_timeout=20&heartbeat=30"))._blocking_nodes
    assert [(p.socket_timeout, p.stack_timeout) for p in own.parameters] == [(20.0, 25.0)]
    short = QueueReads(node_urls("amqp://127.0.0.1:5673/%2F?socket_timeout=1"))._blocking_nodes
    assert [(p.socket_timeout, p.stack_timeout) for p in short.parameters] == [(1.0, 6.0)]
    both = QueueReads(node_urls("amqp://127.0.0.1:5673/%2F?socket_timeout=20&stack_timeout=8"))._blocking_nodes
    assert [(p.socket_timeout, p.stack_timeout) for p in both.parameters] == [(20.0, 8.0)]  # as the URL says


def test_the_getter_bounds_its_handshake_unless_the_url_sets_its_own_limits() -> None:
    """``broker.get()`` (the DLQ tools) on a hung node gives up after the bounded handshake, not pika's 15 s."""
    def retry(_message: Message, _tier: str) -> Future[None]:
        raise AssertionError("not called")

    bounded = BlockingGetter(node_urls(CLUSTER), retry)._nodes.parameters
    assert {(p.socket_timeout, p.stack_timeout) for p in bounded} == {(3.0, 5.0)}  # HANDSHAKE_TIMEOUTS
    own = BlockingGetter(node_urls("amqp://127.0.0.1:5673/%2F?stack_timeout=30"), retry)._nodes.parameters
    assert [(p.socket_timeout, p.stack_timeout) for p in own] == [(3.0, 30.0)]
    connect = BlockingGetter(node_urls("amqp://127.0.0.1:5673/%2F?socket_timeout=12"), retry)._nodes.parameters
    assert [(p.socket_timeout, p.stack_timeout) for p in connect] == [(12.0, 17.0)]


def config_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(f'[broker]\nurl = "{url}"\n')
    return path


def test_settings_accept_a_cluster_url(tmp_path: Path) -> None:
    assert load_settings(config_file(tmp_path, CLUSTER)).broker_url == CLUSTER


@pytest.mark.parametrize("url", ["amqp://hub:s3cret@127.0.0.1:99999/%2F", "kafka://x", "", "amqp://u:p@a:1,,b:2/",
                                 "amqp://hub@127.0.0.1:5672/"])
def test_a_malformed_broker_url_is_a_configuration_error_naming_the_setting(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match=r"broker\.url") as refused:
        load_settings(config_file(tmp_path, url))
    assert "s3cret" not in str(refused.value)


def test_serve_with_a_malformed_broker_url_prints_one_line_and_exits(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--config", str(config_file(tmp_path, "amqp://u:p@127.0.0.1:port/"))])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "broker.url" in lines[0], result.output


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg:/hub:s3cret@db:5432/onepoint", "postgresql+psycopg:/hub:***@db:5432/onepoint"),  # one slash
    ("postgresql+psycopg:hub:s3cret@db/onepoint", "postgresql+psycopg:hub:***@db/onepoint"),  # none
    ("htps://hub:s3cret@boss.example.net/", "htps://hub:***@boss.example.net/"),  # a misspelt scheme
    ("hub:s3cret@db:5432/onepoint", "hub:***@db:5432/onepoint"),  # no scheme at all
    ("postgresql+psycopg:////hub:s3:cret@db/onepoint", "postgresql+psycopg:////hub:***@db/onepoint"),
    ("amqp://hub@127.0.0.1/%2F", "amqp://hub@127.0.0.1/%2F"),  # no password: nothing hidden
    ("sqlite:///data@2026/wo.db", "sqlite:///data@2026/wo.db"),
    # an @ in the vhost: the address tried stays shown (it was "amqp://guest:***@ops")
    ("amqp://guest:guest@127.0.0.1:5672/team@ops", "amqp://guest:***@127.0.0.1:5672/team@ops"),
    ("amqp://guest:p@ss@127.0.0.1:5672/team@ops", "amqp://guest:***@127.0.0.1:5672/team@ops"),
    # a client key's passphrase in pika's ssl_options, a libpq password option: hidden too
    ("amqps://hub:s3cret@127.0.0.1:5671/%2F?ssl_options={'keyfile':'/k.pem','password':'KEYPASS'}&heartbeat=30",
     "amqps://hub:***@127.0.0.1:5671/%2F?ssl_options=***&heartbeat=30"),
    ("postgresql+psycopg://hub@db/onepoint?password=s3cret", "postgresql+psycopg://hub@db/onepoint?password=***"),
])
def test_redacted_hides_the_password_however_the_scheme_is_written(url: str, shown: str) -> None:
    assert redacted(url) == shown


@pytest.mark.parametrize(("option", "said"), [
    ("heartbeat=x", "Invalid heartbeat value 'x'"),
    ("hearbeat=30", "Unknown URL parameter: 'hearbeat' (the options: blocked_connection_timeout, "),
])
def test_an_option_the_amqp_client_refuses_is_refused_with_the_settings_naming_file_and_key(tmp_path: Path,
                                                                                          option: str,
                                                                                          said: str) -> None:
    config = config_file(tmp_path, f"amqp://hub:s3cret@127.0.0.1:1,127.0.0.1:2/%2F?{option}")
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    message = str(refused.value)
    assert message.startswith(f"{config}: broker.url: ") and said in message and "s3cret" not in message
    with pytest.raises(BrokerURLError, match=said.replace("(", r"\(")) as opened:
        open_broker(f"amqp://hub:s3cret@127.0.0.1:1/%2F?{option}")  # never pika's ValueError, nor the password
    assert "s3cret" not in str(opened.value)
