"""The stop of ``onepoint serve`` on SIGTERM or Ctrl-C, from its first step to its last, ending with status 0.

``StartupSignals``: from before the emulators and the workers start until uvicorn takes the signals over, SIGTERM
or SIGINT raises ``StopRequested`` in the main thread, so the start-up ends where it is and the stop runs (``serve``
stops what started in a ``finally``; without this, SIGTERM killed the process there, skipping its stop, and Ctrl-C
ended in click's "Aborted!"). Once the stop runs (``stopping``) a further SIGTERM is ignored and a second Ctrl-C
forces the exit (``KeyboardInterrupt``).

``GracefulServer``: uvicorn's server, whose stop on SIGTERM or Ctrl-C ends the process with status 0. uvicorn (0.29
on) raises the caught signal again once its shutdown is complete, "the expected behaviour" of a process that did
not handle it: on SIGTERM the process then dies by the signal (status 143 to a shell, -15 to a supervisor) and
skips every ``finally`` after ``Server.run``; on SIGINT it becomes a ``KeyboardInterrupt`` that click prints as
"Aborted!" with status 1. For ``onepoint serve`` either signal *is* the normal stop (admission closed, queues
drained, workers and emulators stopped, README), so a completed stop is a success: this server records nothing to
raise again. A second Ctrl-C still forces the exit, as uvicorn's does.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

import uvicorn

__all__ = ["STOP_SIGNALS", "GracefulServer", "StartupSignals", "StopRequested"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # as uvicorn's HANDLED_SIGNALS


class StopRequested(BaseException):  # like KeyboardInterrupt: no ``except Exception`` swallows it
    """SIGTERM or Ctrl-C came while ``onepoint serve`` was starting: stop what started, exit 0."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StartupSignals:
    """SIGTERM and SIGINT handled by ``onepoint serve`` itself while it is not serving (a context manager; the
    handlers it replaced are put back on exit). Only the main thread can handle signals: elsewhere it does nothing."""

    def __init__(self) -> None:
        self.requested: int | None = None  # the first stop signal received
        self._stopping = False
        self._replaced: dict[int, Any] = {}

    def __enter__(self) -> StartupSignals:
        if threading.current_thread() is threading.main_thread():
            self._replaced = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for signum, handler in self._replaced.items():
            signal.signal(signum, handler)
        self._replaced = {}

    def stopping(self) -> None:
        """The stop runs from now on: a further SIGTERM must not interrupt it (a second Ctrl-C forces the exit)."""
        self._stopping = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested is None:
            self.requested = signum
        if not self._stopping:
            self._stopping = True
            raise StopRequested(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt


class GracefulServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True
