"""What ``onepoint dlq`` prints (in-memory broker): the listing's header row, age and replays; control characters
from a letter escaped; a closed pipe ends quietly; a timeout or a stopped pass is worded; ``--config`` is read for
its ``[broker]`` only, so the hub's secrets need not be exported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import hub.cli.dlq as dlq_cli
import hub.cli.dlq_connection as dlq_connection
from hub.cli.dlq import dlq
from hub.config.broker import load_broker_settings
from hub.config.files import ConfigError
from hub.config.settings import load_settings
from hub.transport import Broker, Message, TopologyConfig, open_broker
from hub.workers import DeadLetterQueues
from hub.workers import headers as h
from hub.workers.dlq import PassStopped
from tests.unit.workers.kit import short_config

pytestmark = pytest.mark.unit

URL = ["--broker", "amqp://127.0.0.1:1/"]
ESCAPES = {"hand-0001": {h.DEAD_REASON: "refused \x1b]0;owned\x07 (400)", h.ORIGINAL_ROUTING_KEY: "boss.boss.X",
                         "x-note": "\x9b2J"}}


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Broker]:
    """The broker ``onepoint dlq`` opens: an in-memory one, kept open over several commands."""
    broker = open_broker("memory://", short_config())
    close = broker.close
    monkeypatch.setattr(broker, "close", lambda: None)

    def fake_open(url: str, topology: TopologyConfig, declare: bool = True, **_options: Any) -> Any:
        return broker

    monkeypatch.setattr(dlq_connection, "open_broker", fake_open)
    yield broker
    close()


def put(broker: Broker, letters: dict[str, dict[str, Any]], body: bytes = b"<x/>") -> None:
    for mid, headers in letters.items():
        broker.publish("", Message(body, routing_key=broker.config.dead_letter_queue("boss"), message_id=mid,
                                   headers=headers)).result(10)


def test_list_has_a_header_row_the_age_and_the_replays(broker: Broker) -> None:
    put(broker, {"again-0001": {h.DEAD_REASON: "boom", h.ORIGINAL_ROUTING_KEY: "boss.boss.X", h.REPLAYED: 2,
                                h.FIRST_FAILURE: "2026-03-01T00:00:00+00:00",
                                h.FIRST_DEAD: "2026-01-01T00:00:00+00:00"}})
    result = CliRunner().invoke(dlq, ["list", *URL, "--queue", "boss"])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split()[:2] == ["MESSAGE", "ID"] and "age" in header and "replayed" in header
    assert row.startswith("again-0001") and "replayed=2" in row and "first=2026-01-01T00:00:00+00:00" in row
    assert "age=" in row and "age=-" not in row


def test_control_characters_of_a_letter_never_reach_the_terminal(broker: Broker) -> None:
    put(broker, ESCAPES, body=b"<x>\x1b[2J\x1b[1;1Hall clear\r\n\tline two</x>")
    runner = CliRunner()
    listed = runner.invoke(dlq, ["list", *URL, "--queue", "boss"])
    shown = runner.invoke(dlq, ["show", "hand-0001", *URL, "--queue", "boss"])
    assert listed.exit_code == 0 and shown.exit_code == 0, (listed.output, shown.output)
    for output in (listed.stdout, shown.stdout):
        assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    assert "refused \\x1b]0;owned\\x07 (400)" in listed.stdout
    assert "\\x1b[2J" in shown.stdout and "\\x0d\n\tline two" in shown.stdout  # a body keeps \n and \t


def test_fixed_line_numbers_are_masked_in_reasons_headers_and_bodies(broker: Broker) -> None:
    """``dlq`` promises phone numbers masked unless ``--unmasked``: a fixed-line ContactNumber was printed whole
    (only mobile numbers were masked) in an NSP dispatch's body, its reason and its headers (audit)."""
    reason = "NSP refused ContactNumber 0755-83765432 of 13800138000"
    put(broker, {"line-0001": {h.DEAD_REASON: reason, h.ORIGINAL_ROUTING_KEY: "nsp.NetworkComplaintDispatch",
                               "x-contact": "(+86)10-65529988"}},
        body=b"<nsp:ContactNumber>0755-83765432</nsp:ContactNumber><nsp:Msisdn>13800138000</nsp:Msisdn>")
    runner = CliRunner()
    outputs = [runner.invoke(dlq, [*command, *URL, "--queue", "boss"])
               for command in (["list"], ["list", "--json"], ["show", "line-0001"], ["show", "line-0001", "--json"])]
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert "83765432" not in result.stdout and "65529988" not in result.stdout, result.stdout
        assert "13800138000" not in result.stdout
    assert "reason=NSP refused ContactNumber ********5432 of 138****8000" in outputs[0].stdout
    assert "x-contact: ********9988" in outputs[2].stdout
    assert "<nsp:ContactNumber>********5432</nsp:ContactNumber><nsp:Msisdn>138****8000" in outputs[2].stdout
    unmasked = runner.invoke(dlq, ["show", "line-0001", *URL, "--queue", "boss", "--unmasked"])
    assert "<nsp:ContactNumber>0755-83765432</nsp:ContactNumber>" in unmasked.stdout  # the body as it is


def test_a_closed_pipe_ends_quietly(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    put(broker, {"pipe-0001": {h.DEAD_REASON: "boom", h.ORIGINAL_ROUTING_KEY: "boss.boss.X"}})

    def reader_gone(_letter: Any) -> str:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(dlq_cli, "_row", reader_gone)
    result = CliRunner().invoke(dlq, ["list", *URL, "--queue", "boss"])
    assert result.exit_code == 141 and "error" not in result.output.lower()


@pytest.mark.parametrize(("error", "said"), [
    (TimeoutError(), "did not answer in time"),
    (PassStopped("publishing blocked by the broker: low on memory", "p.boss.dlq"), "low on memory"),
])
def test_a_timeout_or_a_stopped_pass_is_worded(broker: Broker, monkeypatch: pytest.MonkeyPatch,
                                               error: Exception, said: str) -> None:
    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(DeadLetterQueues, "browse", failing)
    result = CliRunner().invoke(dlq, ["list", *URL, "--queue", "boss"])
    assert result.exit_code == 1 and said in result.output
    assert not result.output.rstrip().endswith("broker error:")


def test_config_is_read_for_its_broker_section_only(tmp_path: Path, broker: Broker,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEPOINT_CS_WS_SECRET", raising=False)
    config = tmp_path / "hub.toml"
    config.write_text('[broker]\nurl = "amqp://guest:guest@127.0.0.1:1/%2F"\n\n[[callers]]\nsystem = "CS"\n'
                      'username = "cs"\nws_password_env = "ONEPOINT_CS_WS_SECRET"\ncommands = ["boss.SyncHLR"]\n')
    with pytest.raises(ConfigError, match="ONEPOINT_CS_WS_SECRET"):
        load_settings(config)  # the hub itself needs the secret...
    result = CliRunner().invoke(dlq, ["list", "--config", str(config)])
    assert result.exit_code == 0, result.output  # ...the dlq commands do not


@pytest.mark.parametrize("broker_section", ['url = "amqp://127.0.0.1:notaport/"', "delivery_limit = 0",
                                            'delay_tiers = ["5s", "1s"]', "bogus = 1"])
def test_a_bad_broker_section_is_worded_as_the_hub_words_it(tmp_path: Path, broker_section: str) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f"[broker]\n{broker_section}\n")
    with pytest.raises(ConfigError) as hub_error:
        load_settings(config)
    with pytest.raises(ConfigError) as dlq_error:
        load_broker_settings(config)
    assert str(dlq_error.value) == str(hub_error.value)
