"""``onepoint dlq`` against a real RabbitMQ, the audit's findings: --prefix over --config (d5), DLQs that do not
exist are an error (d6), a purge deletes only what it asked about (d7), a UTF-16 body is masked (d9)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hub.cli.dlq import dlq
from hub.transport import TopologyConfig
from tests.integration import test_dlq_cli as base
from tests.integration.test_dlq_cli import Hub, seed
from tests.support.rabbitmq_server import RabbitMQServer
from tests.unit.workers.kit import envelope, publish, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

config, broker, hub, cli = base.config, base.broker, base.hub, base.cli  # the fixtures of test_dlq_cli
Run = Callable[..., click.testing.Result]


def test_prefix_applies_with_config(hub: Hub, rabbitmq_server: RabbitMQServer, config: TopologyConfig,
                                    tmp_path: Path) -> None:
    seed(hub, 2)
    settings = tmp_path / "hub.toml"
    settings.write_text(f'[broker]\nurl = "{rabbitmq_server.url}"\n')  # no prefix in the file
    result = CliRunner().invoke(dlq, ["list", "--queue", "boss", "--config", str(settings), "--prefix", config.prefix])
    assert result.exit_code == 0, result.output
    assert "2 dead letter(s)" in result.stderr


def test_dlqs_that_do_not_exist_are_an_error_not_zero(hub: Hub, rabbitmq_server: RabbitMQServer,
                                                      config: TopologyConfig) -> None:
    seed(hub, 1)
    typo = config.prefix + "x"

    def run(*args: str) -> click.testing.Result:
        return CliRunner().invoke(dlq, [*args, "--broker", rabbitmq_server.url, "--prefix", typo])

    for args in (["list"], ["list", "--queue", "boss"], ["purge", "--yes"], ["show", "X"], ["replay", "--all"]):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert f"no dead-letter queue {typo}.boss.dlq" in result.output and "wrong --prefix" in result.output
    assert hub.broker.message_count(config.dead_letter_queue("boss")) == 1


def test_only_some_dlqs_missing_is_a_warning(hub: Hub, cli: Run) -> None:
    seed(hub, 1)  # the test topology has boss, crm and nsp; the CLI's default consumers are more
    result = cli("list")
    assert result.exit_code == 0 and "1 dead letter(s)" in result.stderr
    assert "warning: no dead-letter queue" in result.stderr and ".dsmp.dlq" in result.stderr


def test_purge_deletes_only_the_letters_it_asked_about(hub: Hub, cli: Run, config: TopologyConfig,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    first = seed(hub, 2)
    late: list[str] = []

    def confirm_while_more_arrive(text: str, **_: object) -> bool:
        assert "Permanently delete 2 dead letter(s) (boss: 2)?" in text
        for env in [envelope() for _ in range(3)]:  # dead-lettered while the question is open
            hub.refused.add(env.message_id)
            publish(hub.broker, "boss", env)
            late.append(env.message_id)
        dlq_name = config.dead_letter_queue("boss")
        wait_until(lambda: hub.broker.message_count(dlq_name) == 5, "the late dead letters")
        return True

    monkeypatch.setattr(click, "confirm", confirm_while_more_arrive)
    result = cli("purge", "--queue", "boss")
    assert result.exit_code == 0, result.output
    assert "purged 2 dead letter(s)" in result.stdout
    assert "3 dead letter(s) not counted before (dead-lettered since) kept" in result.stderr
    kept = cli("list", "--queue", "boss").stdout.splitlines()[1:]  # after the header row
    assert [line.split()[0] for line in kept] == late and not {e.message_id for e in first} & set(late)


def test_show_masks_a_utf16_body(hub: Hub, cli: Run, config: TopologyConfig) -> None:
    doc = ('<?xml version="1.0" encoding="UTF-16"?><QueryCustomerTier><Msisdn>13800138000</Msisdn>'
           '</QueryCustomerTier>')
    env = envelope(payload=doc.encode("utf-16"))
    hub.refused.add(env.message_id)
    publish(hub.broker, "boss", env)
    wait_until(lambda: hub.broker.message_count(config.dead_letter_queue("boss")) == 1, "the dead letter")
    shown = cli("show", env.message_id)
    assert shown.exit_code == 0, shown.output
    assert "<Msisdn>138****8000</Msisdn>" in shown.stdout and "13800138000" not in shown.stdout.replace("\x00", "")
    assert "<Msisdn>13800138000</Msisdn>" in cli("show", env.message_id, "--unmasked").stdout
