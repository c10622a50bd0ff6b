"""Dead letters whose headers are not what the hub writes: listed with ``?``, never a traceback; a replay keeps
the ones it cannot place in their DLQ and reports them, and replays the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

import hub.cli.dlq_connection as dlq_connection
from hub.cli.dlq import dlq
from hub.transport import Broker, Message, TopologyConfig, open_broker
from hub.workers import DeadLetterQueues
from hub.workers import headers as h
from hub.workers.dead_letter import DeadLetter
from tests.unit.workers.kit import short_config, take_all

pytestmark = pytest.mark.unit

ODD = {
    "odd-attempts-00001": {h.DEAD_REASON: "boom", h.ATTEMPTS: "twelve",
                           h.ORIGINAL_ROUTING_KEY: "boss.boss.QueryCustomerTier"},
    "odd-xdeath-000001": {"x-death": "not-a-list-of-tables"},
    "odd-replayed-0001": {h.DEAD_REASON: "boom", h.REPLAYED: "many", h.ATTEMPTS: b"\xff\xfe",
                          h.ORIGINAL_ROUTING_KEY: "boss.boss.QueryCustomerTier"},
    "odd-keys-0000001": {"x-death": [{"reason": "rejected", "routing-keys": "boss.boss.X"}]},
}
NORMAL = {"normal-0000000001": {h.DEAD_REASON: "boom", h.ATTEMPTS: 12,
                                h.ORIGINAL_ROUTING_KEY: "boss.boss.QueryCustomerTier"}}


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def put_letters(broker: Broker, letters: dict[str, dict[str, Any]]) -> None:
    dlq = broker.config.dead_letter_queue("boss")
    for mid, headers in letters.items():
        broker.publish("", Message(b"<x/>", routing_key=dlq, message_id=mid, headers=headers)).result(10)


def test_unreadable_headers_read_as_unknown_and_are_named() -> None:
    odd = {mid: DeadLetter("boss", Message(b"<x/>", message_id=mid, headers=hs)) for mid, hs in ODD.items()}
    assert odd["odd-attempts-00001"].attempts is None
    assert odd["odd-attempts-00001"].unreadable == {h.ATTEMPTS: "twelve"}
    assert odd["odd-attempts-00001"].unreplayable is None  # attempts belong to its failed life: not needed
    assert odd["odd-xdeath-000001"].original_routing_key == "?"
    assert odd["odd-xdeath-000001"].reason == "unknown"
    assert "x-death" in (odd["odd-xdeath-000001"].unreplayable or "")
    assert odd["odd-replayed-0001"].replayed is None
    assert set(odd["odd-replayed-0001"].unreadable) == {h.REPLAYED, h.ATTEMPTS}
    assert h.REPLAYED in (odd["odd-replayed-0001"].unreplayable or "")
    assert odd["odd-keys-0000001"].original_routing_key == "?"
    for letter in odd.values():
        json.dumps(letter.as_dict())
    [normal] = [DeadLetter("boss", Message(b"<x/>", message_id=m, headers=hs)) for m, hs in NORMAL.items()]
    assert (normal.attempts, normal.replayed, normal.unreadable, normal.unreplayable) == (12, 0, {}, None)
    assert "unreadable" not in normal.as_dict()


def test_replay_all_replays_what_it_can_and_reports_the_rest(broker: Broker) -> None:
    put_letters(broker, {**NORMAL, **ODD})
    queues = DeadLetterQueues(broker)
    assert [x.message_id for x in queues.browse("boss")] == [*NORMAL, *ODD]
    report = queues.replay(None, "boss")
    assert sorted(x.message_id for x in report.replayed) == ["normal-0000000001", "odd-attempts-00001"]
    failed = {letter.message_id: why for letter, why in report.failed}
    assert sorted(failed) == ["odd-keys-0000001", "odd-replayed-0001", "odd-xdeath-000001"]
    assert all(why.startswith("unreadable header(s): ") for why in failed.values())
    left = take_all(broker, broker.config.dead_letter_queue("boss"))
    assert [m.message_id for m in left] == ["odd-xdeath-000001", "odd-replayed-0001", "odd-keys-0000001"]
    with pytest.raises(ValueError, match="cannot be replayed"):
        queues.replay_message(DeadLetter("boss", left[0]))


@pytest.fixture
def cli_broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    """The broker ``onepoint dlq`` opens: an in-memory one holding the odd letters and a normal one."""
    broker = open_broker("memory://", short_config())
    put_letters(broker, {**NORMAL, **ODD})

    def fake_open(url: str, topology: TopologyConfig, declare: bool = True, **_options: Any) -> Any:
        return broker

    monkeypatch.setattr(dlq_connection, "open_broker", fake_open)
    return broker


def test_dlq_list_shows_unknown_values_as_question_marks(cli_broker: Broker) -> None:
    result = CliRunner().invoke(dlq, ["list", "--broker", "amqp://127.0.0.1:1/", "--queue", "boss"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert "attempts=12" in lines["normal-0000000001"] and "unreadable" not in lines["normal-0000000001"]
    assert "attempts=?" in lines["odd-attempts-00001"]
    assert f"unreadable={h.ATTEMPTS}" in lines["odd-attempts-00001"]
    assert " ? " in lines["odd-xdeath-000001"] and "unreadable=x-death" in lines["odd-xdeath-000001"]


def test_dlq_show_marks_unreadable_fields(cli_broker: Broker) -> None:
    result = CliRunner().invoke(dlq, ["show", "odd-replayed-0001", "--broker", "amqp://127.0.0.1:1/"])
    assert result.exit_code == 0, result.output
    assert "replayed:      ?" in result.stdout and "attempts:      ?" in result.stdout


def test_dlq_replay_all_says_what_it_replayed_and_what_it_kept(cli_broker: Broker) -> None:
    result = CliRunner().invoke(dlq, ["replay", "--all", "--broker", "amqp://127.0.0.1:1/"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "replayed normal-0000000001 -> boss.boss.QueryCustomerTier" in result.stdout
    assert "replayed odd-attempts-00001 -> boss.boss.QueryCustomerTier" in result.stdout
    assert "FAILED odd-xdeath-000001: unreadable header(s): " in result.stderr
    assert "2 replayed, 3 failed" in result.stderr
