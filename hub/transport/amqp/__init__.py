"""RabbitMQ implementation of the backbone (pika)."""

from hub.transport.amqp.broker import RabbitMQBroker

__all__ = ["RabbitMQBroker"]
