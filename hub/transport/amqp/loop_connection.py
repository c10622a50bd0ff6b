"""pika's ``AsyncioConnection``, writing everything one event-loop iteration produced with one socket write.

pika hands its transport each frame on its own (three per publish: method, header, body) and the transport
sends each with its own ``send()``. On a busy publisher that is three system calls per message, and as many
small TCP segments for the broker to read. This subclass takes the frames through pika's adapter hook
(``_adapter_emit_data``, the method a ``BaseConnection`` subclass implements to send data), keeps them until
the loop iteration that produced them ends, and passes them on joined: one write per iteration, in order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pika.adapters.asyncio_connection import AsyncioConnection

__all__ = ["CoalescingAsyncioConnection"]


class CoalescingAsyncioConnection(AsyncioConnection):  # type: ignore[misc]
    """``AsyncioConnection(..., custom_ioloop=loop)`` whose outgoing frames leave once per loop iteration."""

    def __init__(self, *args: Any, custom_ioloop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
        self._pending_out: list[bytes] = []
        self._out_loop = custom_ioloop
        super().__init__(*args, custom_ioloop=custom_ioloop, **kwargs)

    def _adapter_emit_data(self, data: bytes) -> None:
        if not self._pending_out:
            self._out_loop.call_soon(self._write_pending)
        self._pending_out.append(data)

    def _write_pending(self) -> None:
        out, self._pending_out = self._pending_out, []
        if out and self._transport is not None:  # gone: the connection is lost and pika drops its output too
            super()._adapter_emit_data(out[0] if len(out) == 1 else b"".join(out))
