"""A connection attempt ended by its own ``close()``, told to pika the way pika means it.

pika 1.4.4 ends an AMQP handshake that ``Connection.close()`` aborted by handing the connection's workflow callback
the class ``AMQPConnectionWorkflowAborted`` instead of an instance of it (``connection_workflow.py:911``). The callback
expects an exception or the connection itself, and its ``assert`` raises an ``AssertionError`` inside a callback of
the I/O loop. The attempt is over by then: its socket is closed and ``on_open_error_callback`` had
``ConnectionOpenAborted``; only the report of the end fails. On the I/O thread the error ends ``ioloop.start()``; on an
asyncio loop (the ingress's ``LoopPublisher``) asyncio logs it as "Exception in callback ..." with a traceback, at
every stop that came while RabbitMQ was coming back.

`workflow_outcome` gives pika the instance it meant (pika's own path for an aborted attempt: nothing more is
reported) and logs the abort at debug level. Every other outcome, a real failure among them, passes unchanged.
"""

from __future__ import annotations

import logging

from pika.adapters.utils.connection_workflow import AMQPConnectionWorkflowAborted

__all__ = ["workflow_outcome"]

log = logging.getLogger("onepoint.transport")


def workflow_outcome(conn_or_exc: object) -> object:
    """What the connection workflow reported (the connection or an exception), the aborted-attempt class made the
    instance pika's ``_on_connection_workflow_done`` expects."""
    if isinstance(conn_or_exc, type) and issubclass(conn_or_exc, AMQPConnectionWorkflowAborted):
        log.debug("broker connection attempt ended by close")
        return conn_or_exc()
    return conn_or_exc
