"""uvicorn's read flow control, telling the server when the client's turn to send begins again.

uvicorn pauses reading a connection while its app is behind (a pipelined request waits for the one before it, a
body past the high-water mark waits to be asked for) and holds a client that sent ``Expect: 100-continue`` until
the app asks for the body. `hub.http.protocol` gives a request ``read_timeout`` seconds of the *client's* time to
arrive whole, so it must restart that clock when the server hands the turn back: when reading resumes after a
pause, or when the ``100 Continue`` is sent. uvicorn does both in one place, ``RequestResponseCycle.receive``,
which writes the ``100 Continue`` and then calls ``flow.resume_reading()``: `ReadingFlow` is that flow control
with a callback on the hand-back. Its common path (reading not paused, no ``100-continue``) costs one more test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from uvicorn.protocols.http.flow_control import FlowControl

__all__ = ["ReadingFlow"]


class ReadingFlow(FlowControl):  # type: ignore[misc]
    """`FlowControl` calling ``on_client_turn`` when reading resumes after a pause or, with ``held`` set (a request
    waiting for its ``100 Continue``), at the next ``resume_reading``, the one that follows the ``100 Continue``."""

    def __init__(self, transport: asyncio.Transport, on_client_turn: Callable[[], None]) -> None:
        super().__init__(transport)
        self.held = False  # the client waits for the server's 100 Continue
        self._on_client_turn = on_client_turn

    def resume_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            self._transport.resume_reading()
        elif not self.held:
            return
        self.held = False
        self._on_client_turn()
