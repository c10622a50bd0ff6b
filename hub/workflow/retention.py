"""Beside the deadline scheduler, the work-order database's retention (``hub.workflow.store.retention``: bounded
batches, a pause between two), every ``interval`` seconds, its first pass at start:

* the workflow's processed-message records are deleted ``[workflow] keep_processed_days`` after they were made
  (by the ``recorded_at`` index). A copy of a message can come back while its delivery is retried (the delay
  tiers: minutes) or when a dead letter is replayed; the record outlives both by far, and a copy arriving later
  still is taken as a new message.
* the listeners' outbox: an event is deleted ``[workflow] keep_events_days`` after it was published (every served
  listener had passed it then), and not while a served listener has not passed it (one resumed meanwhile); on
  PostgreSQL the events of the last ``gap`` (``listener_gap_seconds``, at least a new listener's ``IN_FLIGHT``)
  and the newest one before them stay for the listeners' hole handling. A parked listener holds nothing back: one
  parked longer than ``keep_events_days`` resumes from the oldest event kept (``outbox.resume_listener``).
* the dispatches to NSP the hub keeps (``nsp_dispatches``: which work order each dispatch's MessageId was for) are
  deleted once their work order was closed or cancelled longer than ``keep_processed_days`` ago: NSP's reply to a
  finished work order is refused (or noted, after a withdrawal) without them, and a reply replayed from a dead
  letter later still is as new a message as any (``hub.workflow.store.nsp_dispatches``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from hub.workflow.passes import PassThread
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.nsp_dispatches import purge_nsp_dispatches
from hub.workflow.store.outbox import IN_FLIGHT
from hub.workflow.store.retention import PURGE_BATCH, purge_events, purge_processed

__all__ = ["WorkflowRetention"]

log = logging.getLogger("onepoint.workflow.retention")


class WorkflowRetention(PassThread):
    thread_name, what = "workflow-retention", "work-order database purge"
    log = log  # the outage log's logger: this module's

    def __init__(self, store: WorkOrderStore, keep: timedelta, *, keep_events: timedelta = timedelta(days=7),
                 gap: timedelta = IN_FLIGHT, interval: float = 600.0, batch: int = PURGE_BATCH,
                 pause: float = 0.05) -> None:
        if keep <= timedelta(0) or keep_events <= timedelta(0):
            raise ValueError("the processed-message records and the published events must be kept for a while")
        super().__init__(interval)
        self.store, self.keep, self.keep_events, self.batch = store, keep, keep_events, batch
        self.in_flight = max(gap, IN_FLIGHT)  # what the listeners' hole handling may still read (PostgreSQL)
        self.pause = pause  # seconds between two full batches: the workers' transactions go first

    def run_pass(self) -> int:
        """The purges, by the store's clock (which stamps the records); how many rows went."""
        return self.purge_processed() + self.purge_events() + self.purge_nsp_dispatches()

    def purge_processed(self) -> int:
        """Delete the processed-message records older than ``keep``; how many went."""
        purged = purge_processed(self.store.engine, self.store.clock() - self.keep, batch=self.batch,
                                 between=self._between)
        if purged:
            log.info("processed-message records purged",
                     extra={"purged": purged, "keep_days": self.keep / timedelta(days=1)})
        return purged

    def purge_events(self) -> int:
        """Delete the outbox's events published longer than ``keep_events`` ago that no listener waits for."""
        now = self.store.clock()
        purged = purge_events(self.store.engine, now - self.keep_events, now - self.in_flight, batch=self.batch,
                              between=self._between)
        if purged:
            log.info("published work-order events purged",
                     extra={"purged": purged, "keep_days": self.keep_events / timedelta(days=1)})
        return purged

    def purge_nsp_dispatches(self) -> int:
        """Delete the kept dispatches to NSP of work orders closed or cancelled longer than ``keep`` ago."""
        purged = purge_nsp_dispatches(self.store.engine, self.store.clock() - self.keep, batch=self.batch,
                                      between=self._between)
        if purged:
            log.info("dispatches to NSP of finished work orders purged",
                     extra={"purged": purged, "keep_days": self.keep / timedelta(days=1)})
        return purged

    def _between(self) -> bool:
        return self._stop.wait(self.pause)
