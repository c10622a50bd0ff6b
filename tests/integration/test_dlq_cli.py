"""``onepoint dlq`` (click's CliRunner) against a real RabbitMQ: list, show, replay, purge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.dlq import dlq
from hub.envelope import Envelope
from hub.store import SQLiteProcessedStore
from hub.transport import Broker, TopologyConfig, open_broker
from hub.workers import BusinessRejection, HandlerRegistry, RetryPolicy, Worker
from tests.support.rabbitmq_server import RabbitMQServer
from tests.unit.workers.kit import Effects, envelope, publish, short_config, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]


@pytest.fixture
def config() -> TopologyConfig:
    return short_config(tier_ms=(100, 200, 300))


@pytest.fixture
def broker(rabbitmq_server: RabbitMQServer, config: TopologyConfig) -> Iterator[Broker]:
    with open_broker(rabbitmq_server.url, config) as b:
        yield b


class Hub:
    """A boss worker that refuses the ids in ``refused`` and records every effect."""

    def __init__(self, broker: Broker, tmp_path: Path) -> None:
        self.broker = broker
        self.effects = Effects()
        self.refused: set[str] = set()
        self.store = SQLiteProcessedStore(tmp_path / "processed.db")
        handlers = HandlerRegistry()

        @handlers.handler("boss.QueryCustomerTier")
        def query(env: Envelope) -> None:
            self.effects.call(env.message_id)
            if env.message_id in self.refused:
                raise BusinessRejection(f"subscriber of {env.message_id} unknown (13800138000)")
            self.effects.commit(env.message_id)

        self.worker = Worker(broker, "boss", handlers, store=self.store, policy=RetryPolicy(initial=0.0))


@pytest.fixture
def hub(broker: Broker, tmp_path: Path) -> Iterator[Hub]:
    h = Hub(broker, tmp_path)
    with h.worker:
        yield h
    h.store.close()


@pytest.fixture
def cli(rabbitmq_server: RabbitMQServer, config: TopologyConfig):
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(dlq, [*args, "--broker", rabbitmq_server.url, "--prefix", config.prefix], input=input)

    return run


def seed(hub: Hub, n: int) -> list[Envelope]:
    envelopes = [envelope() for _ in range(n)]
    hub.refused.update(e.message_id for e in envelopes)
    for env in envelopes:
        publish(hub.broker, "boss", env)
    dlq_name = hub.broker.config.dead_letter_queue("boss")
    wait_until(lambda: hub.broker.message_count(dlq_name) == n, "the dead letters")
    return envelopes


def test_list_and_show(hub: Hub, cli) -> None:
    a, b = seed(hub, 2)
    result = cli("list")
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.startswith("MESSAGE ID") and "age" in header and "replayed" in header
    assert [line.split()[0] for line in lines] == [a.message_id, b.message_id]
    assert "boss.boss.QueryCustomerTier" in lines[0]
    assert "attempts=1" in lines[0]
    assert "reason=BusinessRejection: subscriber of" in lines[0]
    assert "13800138000" not in result.output and "138****8000" in lines[0]
    as_json = [json.loads(line) for line in cli("list", "--json", "--queue", "boss").stdout.splitlines()]
    assert [x["message_id"] for x in as_json] == [a.message_id, b.message_id]
    assert as_json[0]["first_failure"] and as_json[0]["last_failure"] and as_json[0]["kind"] == "permanent"

    shown = cli("show", b.message_id)
    assert shown.exit_code == 0, shown.output
    assert f"message_id:    {b.message_id}" in shown.stdout
    assert "routing_key:   boss.boss.QueryCustomerTier" in shown.stdout
    assert "138****8000" in shown.stdout and "13800138000" not in shown.stdout  # body masked by default
    assert "13800138000" in cli("show", b.message_id, "--unmasked").stdout
    assert cli("show", "no-such-id").exit_code == 1
    assert hub.broker.message_count(hub.broker.config.dead_letter_queue("boss")) == 2  # browsing lost nothing


def test_replay_one_then_all(hub: Hub, cli) -> None:
    a, b, c = seed(hub, 3)
    hub.refused.clear()  # the cause is fixed
    result = cli("replay", b.message_id)
    assert result.exit_code == 0, result.output
    assert f"replayed {b.message_id} -> boss.boss.QueryCustomerTier" in result.stdout
    wait_until(lambda: hub.effects.done[b.message_id] == 1, "the replayed effect")
    remaining = [line.split()[0] for line in cli("list").stdout.splitlines()[1:]]  # after the header row
    assert remaining == [a.message_id, c.message_id]

    result = cli("replay", "--all", "--queue", "boss")
    assert result.exit_code == 0, result.output
    assert "2 replayed, 0 failed" in result.output
    wait_until(lambda: hub.effects.done[a.message_id] == hub.effects.done[c.message_id] == 1, "the effects")
    assert hub.effects.done[b.message_id] == 1
    assert cli("list").stdout == ""
    assert cli("replay", "gone-id").exit_code == 1
    assert cli("replay").exit_code == 2  # neither ids nor --all


def test_purge_asks_unless_yes(hub: Hub, cli, config: TopologyConfig) -> None:
    seed(hub, 2)
    declined = cli("purge", "--queue", "boss", input="n\n")
    assert declined.exit_code == 1
    assert "Permanently delete 2 dead letter(s) (boss: 2)?" in declined.output
    assert hub.broker.message_count(config.dead_letter_queue("boss")) == 2
    purged = cli("purge", "--yes")
    assert purged.exit_code == 0, purged.output
    assert "purged 2 dead letter(s)" in purged.stdout
    assert hub.broker.message_count(config.dead_letter_queue("boss")) == 0
    assert cli("purge", "--yes").stdout.strip() == "nothing to purge"


def test_a_missing_broker_is_a_clean_error() -> None:
    result = CliRunner(env={"ONEPOINT_BROKER_URL": None}).invoke(dlq, ["list"])
    assert result.exit_code == 2
    assert "no broker" in result.output


def test_the_dlq_commands_refuse_the_in_process_broker_with_the_reason() -> None:
    from hub.cli.main import main

    refused = CliRunner().invoke(main, ["dlq", "list", "--broker", "memory://"])
    assert refused.exit_code == 2 and "memory:// lives inside the hub's own process" in refused.output


def test_count_reads_no_letter_and_list_selects_without_reordering(hub: Hub, cli) -> None:
    """Audit 6 (probe 9): no count, no limit, no filter; every list rewrote the whole DLQ. `dlq count` answers at
    once (a passive declare); `list --limit/--reason/--older-than` narrow what is listed and keep the DLQ's order."""
    letters = seed(hub, 4)
    dlq_name = hub.broker.config.dead_letter_queue("boss")
    counted = cli("count", "--queue", "boss")
    assert counted.exit_code == 0, counted.output
    [header, row] = counted.stdout.splitlines()
    assert header.split()[:3] == ["DLQ", "DEAD", "LETTERS"] and row.split() == [dlq_name, "4", "0"]
    as_json = json.loads(cli("count", "--json", "--queue", "boss").stdout)
    assert as_json == {"consumer": "boss", "dlq": dlq_name, "dead_letters": 4, "queue_waiting": 0}

    limited = cli("list", "--limit", "2")
    assert limited.exit_code == 0, limited.output
    assert [line.split()[0] for line in limited.stdout.splitlines()[1:]] == [e.message_id for e in letters[:2]]
    assert cli("list", "--reason", "SUBSCRIBER OF").stdout.count("\n") == 5  # the header and the 4 letters
    assert cli("list", "--reason", "no such reason").stdout == ""
    assert cli("list", "--older-than", "1d").stdout == ""  # dead-lettered just now
    assert cli("list", "--older-than", "soon").exit_code == 2
    every = [json.loads(line)["message_id"] for line in cli("list", "--json").stdout.splitlines()]
    assert every == [e.message_id for e in letters]  # the limited and filtered listings kept the order
