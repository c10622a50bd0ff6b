"""Broker contract: ``publish_async`` for asyncio callers, with and without ``start_loop()``, on both brokers."""

from __future__ import annotations

import asyncio

import pytest

from hub.transport import Broker, Message, TopologyConfig, TransportError, UnroutableError


def cmd(key: str, body: bytes = b"<x/>") -> Message:
    return Message(body=body, routing_key=key, type="workorder.CreateWorkOrder")


@pytest.mark.parametrize("on_loop", [False, True], ids=["default", "start_loop"])
def test_publish_async_resolves_once_stored_and_fails_like_publish(
    broker: Broker, config: TopologyConfig, on_loop: bool
) -> None:
    async def main() -> list[BaseException | None]:
        if on_loop:
            await broker.start_loop()
            await broker.start_loop()  # idempotent on the same loop
        try:
            assert broker.ready()
            await asyncio.gather(*(broker.publish_async(config.commands_exchange, cmd("boss.x.Y", b"%d" % i))
                                   for i in range(50)))
            outcomes: list[BaseException | None] = []
            for exchange, key in ((config.commands_exchange, "nobody.x.Y"), ("no-such-exchange", "boss.x.Y")):
                try:
                    await broker.publish_async(exchange, cmd(key), fail_fast=True)
                    outcomes.append(None)
                except TransportError as exc:
                    outcomes.append(exc)
            await broker.publish_async(config.commands_exchange, cmd("nobody.x.Y"), mandatory=False)
            return outcomes
        finally:
            await broker.stop_loop()

    unroutable, missing_exchange = asyncio.run(main())
    assert isinstance(unroutable, UnroutableError)
    assert isinstance(missing_exchange, TransportError)
    assert broker.message_count(config.queue("boss")) == 50


def test_a_fail_fast_publish_on_a_closed_broker_is_refused_at_once(broker: Broker, config: TopologyConfig) -> None:
    broker.close()

    async def main() -> None:
        assert not broker.ready()
        await broker.publish_async(config.commands_exchange, cmd("boss.x.Y"), fail_fast=True)

    with pytest.raises(TransportError):
        asyncio.run(main())
