"""``GracefulServer``: uvicorn's server, whose stop on SIGTERM or Ctrl-C ends the process with status 0.

uvicorn (0.29 on) raises the caught signal again once its shutdown is complete, "the expected behaviour" of a
process that did not handle it: on SIGTERM the process then dies by the signal (status 143 to a shell, -15 to a
supervisor) and skips every ``finally`` after ``Server.run``; on SIGINT it becomes a ``KeyboardInterrupt`` that click
prints as "Aborted!" with status 1. For ``onepoint serve`` either signal *is* the normal stop (admission closed,
queues drained, workers and emulators stopped, README), so a completed stop is a success: this server records
nothing to raise again. A second Ctrl-C still forces the exit, as uvicorn's does.
"""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn

__all__ = ["GracefulServer"]


class GracefulServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True
