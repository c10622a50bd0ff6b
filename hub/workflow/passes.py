"""``PassThread``: a background job that runs a pass every ``interval`` seconds in a daemon thread of its own — the
work-order database's retention, the rule files' agreement, the tier recheck.

A pass that fails (the database away, BOSS down) is logged as an outage (``OutageLog``: its first failure with the
traceback, a short line now and then while it lasts, one when it ends) and tried again at the next interval:
nothing is half applied, each pass is its own transactions. ``stop`` ends the wait at once and joins the thread.

::

    class Purge(PassThread):
        thread_name, what = "purge", "purge pass"

        def run_pass(self) -> int: ...

    purge = Purge(interval=600.0).start()
    ...
    purge.stop()
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Self

from hub.observability.quiet import OutageLog

__all__ = ["PassThread"]


class PassThread:
    """Subclasses set ``thread_name``, ``what`` (the outage log's words), ``log`` and ``first_pass_at_start`` (run
    a pass as soon as started, else one interval later), and define ``run_pass``."""

    thread_name = "passes"
    what = "pass"
    log = logging.getLogger("onepoint.workflow")
    first_pass_at_start = True

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pass(self) -> Any:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        passes = OutageLog(self.log, self.what)
        if not self.first_pass_at_start and self._stop.wait(self.interval):
            return
        while True:
            try:
                self.run_pass()
            except Exception as exc:  # tried again at the next interval: each pass is its own transactions
                passes.failed(exc)
            else:
                passes.succeeded()
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
