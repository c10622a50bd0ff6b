"""A `Message` as AMQP properties and back: ``to_properties`` for publishing, ``from_pika`` for deliveries."""

from __future__ import annotations

from typing import Any

import pika

from hub.transport.message import Message

__all__ = ["from_pika", "to_properties"]


def to_properties(message: Message, persistent: bool = True) -> pika.BasicProperties:
    return pika.BasicProperties(
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        reply_to=message.reply_to,
        type=message.type,
        content_type=message.content_type,
        app_id=message.app_id,
        timestamp=message.timestamp,
        headers=dict(message.headers) if message.headers else None,
        delivery_mode=2 if persistent else 1,
    )


def from_pika(method: Any, props: pika.BasicProperties, body: bytes) -> Message:
    # pika decodes a new table for every received message: the message can own it without a copy.
    headers: dict[str, Any] = props.headers if props.headers is not None else {}
    count = headers.get("x-delivery-count")
    redelivered = bool(getattr(method, "redelivered", False))
    return Message(
        body=body,
        routing_key=method.routing_key,
        message_id=props.message_id or "",
        type=props.type,
        correlation_id=props.correlation_id,
        reply_to=props.reply_to,
        content_type=props.content_type,
        app_id=props.app_id,
        timestamp=props.timestamp,
        headers=headers,
        exchange=method.exchange,
        redelivered=redelivered,
        delivery_count=int(count) if count is not None else (None if redelivered else 0),
    )
