"""Broker contract: request/reply with correlation ids, timeouts and late replies."""

from __future__ import annotations

import pytest

from hub.transport import Broker, Delivery, Message, RequestTimeoutError, TopologyConfig, UnroutableError


def echo(broker: Broker) -> object:
    def handler(d: Delivery) -> None:
        broker.reply(d.message, b"re:" + d.message.body, type="reply").result(10)
        d.ack()

    return handler


def test_request_gets_its_reply(broker: Broker, config: TopologyConfig) -> None:
    with broker.consume(config.queue("crm"), echo(broker)):  # type: ignore[arg-type]
        futures = [
            broker.request(config.commands_exchange, Message(f"q{i}".encode(), "crm.query.Status"), timeout=15)
            for i in range(20)
        ]
        replies = [f.result(20) for f in futures]
    assert [r.body for r in replies] == [f"re:q{i}".encode() for i in range(20)]
    assert all(r.type == "reply" and r.correlation_id for r in replies)
    assert len({r.correlation_id for r in replies}) == 20


def test_request_keeps_a_given_correlation_id(broker: Broker, config: TopologyConfig) -> None:
    with broker.consume(config.queue("crm"), echo(broker)):  # type: ignore[arg-type]
        msg = Message(b"q", "crm.query.Status", correlation_id="corr-42")
        reply = broker.request(config.commands_exchange, msg, timeout=15).result(20)
    assert reply.correlation_id == "corr-42"


def test_request_times_out_and_a_late_reply_is_dropped(broker: Broker, config: TopologyConfig) -> None:
    stale = broker.request(config.commands_exchange, Message(b"stale", "nsp.query.Status"), timeout=0.3)
    with pytest.raises(RequestTimeoutError):
        stale.result(20)
    # Now a responder answers the stale request first (a late reply), then a fresh one.
    with broker.consume(config.queue("nsp"), echo(broker)):  # type: ignore[arg-type]
        fresh = broker.request(config.commands_exchange, Message(b"fresh", "nsp.query.Status"), timeout=15)
        assert fresh.result(20).body == b"re:fresh"
    with pytest.raises(RequestTimeoutError):
        stale.result(0)


def test_unroutable_request_fails_at_once(broker: Broker, config: TopologyConfig) -> None:
    future = broker.request(config.commands_exchange, Message(b"q", "nobody.query.Status"), timeout=30)
    with pytest.raises(UnroutableError):
        future.result(10)


def test_reply_to_a_message_without_reply_to_is_refused(broker: Broker) -> None:
    with pytest.raises(ValueError, match="asked for no reply"):
        broker.reply(Message(b"x", "boss.x.Y"), b"r")
