"""Beside the deadline scheduler: the workflow's processed-message records are deleted ``[workflow]
keep_processed_days`` after they were made (``hub.workflow.store.retention``: bounded batches by the
``recorded_at`` index). A copy of a message can come back while its delivery is retried (the delay tiers: minutes)
or when a dead letter is replayed; the record outlives both by far, and a copy arriving later still is taken as a
new message. Every ``interval`` seconds, its first pass at start.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from hub.observability.quiet import OutageLog
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.retention import PURGE_BATCH, purge_processed

__all__ = ["ProcessedRetention"]

log = logging.getLogger("onepoint.workflow.retention")


class ProcessedRetention:
    def __init__(self, store: WorkOrderStore, keep: timedelta, *, interval: float = 600.0,
                 batch: int = PURGE_BATCH, pause: float = 0.05) -> None:
        if keep <= timedelta(0):
            raise ValueError("the processed-message records must be kept for a while")
        self.store, self.keep, self.interval, self.batch = store, keep, interval, batch
        self.pause = pause  # seconds between two full batches: the workers' transactions go first
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pass(self) -> int:
        """Delete the records older than ``keep`` (by the store's clock, which stamps them); how many went."""
        purged = purge_processed(self.store.engine, self.store.clock() - self.keep, batch=self.batch,
                                 between=lambda: self._stop.wait(self.pause))
        if purged:
            log.info("processed-message records purged", extra={"purged": purged, "keep_days": self.keep.days})
        return purged

    def start(self) -> ProcessedRetention:
        self._thread = threading.Thread(target=self._run, name="processed-retention", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        passes = OutageLog(log, "processed-message purge")
        while True:
            try:
                self.run_pass()
            except Exception as exc:  # the database away: tried again at the next interval
                passes.failed(exc)
            else:
                passes.succeeded()
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
