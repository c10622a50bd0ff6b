"""pika's ``AsyncioConnection``, writing everything one event-loop iteration produced with one socket write.

pika hands its transport each frame on its own (three per publish: method, header, body) and the transport
sends each with its own ``send()``. On a busy publisher that is three system calls per message, and as many
small TCP segments for the broker to read. This subclass takes the frames through pika's adapter hook
(``_adapter_emit_data``, the method a ``BaseConnection`` subclass implements to send data), keeps them until
the loop iteration that produced them ends, and passes them on joined: one write per iteration, in order.

It also marshals a publish's method frame once per (channel, exchange, routing key, flags): a ``basic.publish``
to the same address is the same bytes every time, and pika would encode it again for every message (two short
strings, the flags, the frame around them). Measured with pika 1.4 on a 2 KB message: 9.0 → 7.1 µs per
``basic_publish``, on the ingress's event loop, the hub's busiest thread. The header and body frames are pika's
own, built per message; the bytes on the wire are exactly pika's (tested).

An attempt aborted by ``close()`` (the publisher closing while it reconnects) ends quietly (`workflow_outcome`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pika import frame, spec
from pika.adapters.asyncio_connection import AsyncioConnection

from hub.transport.amqp.aborted import workflow_outcome

__all__ = ["CoalescingAsyncioConnection"]

_PUBLISH_FRAMES_KEPT = 1024  # distinct addresses; the hub publishes to a handful per command type


class CoalescingAsyncioConnection(AsyncioConnection):  # type: ignore[misc]
    """``AsyncioConnection(..., custom_ioloop=loop)`` whose outgoing frames leave once per loop iteration."""

    def __init__(self, *args: Any, custom_ioloop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
        self._pending_out: list[bytes] = []
        self._out_loop = custom_ioloop
        self._publish_frames: dict[tuple[int, str, str, bool, bool], bytes] = {}
        super().__init__(*args, custom_ioloop=custom_ioloop, **kwargs)

    def _on_connection_workflow_done(self, conn_or_exc: Any) -> None:
        super()._on_connection_workflow_done(workflow_outcome(conn_or_exc))

    def _adapter_emit_data(self, data: bytes) -> None:
        if not self._pending_out:
            self._out_loop.call_soon(self._write_pending)
        self._pending_out.append(data)

    def _write_pending(self) -> None:
        out, self._pending_out = self._pending_out, []
        if out and self._transport is not None:  # gone: the connection is lost and pika drops its output too
            super()._adapter_emit_data(out[0] if len(out) == 1 else b"".join(out))

    def _send_message(self, channel_number: int, method: Any, content: tuple[spec.BasicProperties, bytes]) -> None:
        """pika's ``Connection._send_message`` (method, header and body frames), the method frame of a publish
        marshalled once per address."""
        if not isinstance(method, spec.Basic.Publish):
            super()._send_message(channel_number, method, content)
            return
        properties, body = content
        address = (channel_number, method.exchange, method.routing_key, method.mandatory, method.immediate)
        method_frame = self._publish_frames.get(address)
        if method_frame is None:
            method_frame = frame.Method(channel_number, method).marshal()
            if len(self._publish_frames) >= _PUBLISH_FRAMES_KEPT:
                self._publish_frames.clear()
            self._publish_frames[address] = method_frame
        length = len(body)
        frames = [method_frame, frame.Header(channel_number, length, properties).marshal()]
        step = self._body_max_length
        for start in range(0, length, step):
            frames.append(frame.Body(channel_number, body[start:start + step]).marshal())
        self._output_marshaled_frames(frames)
