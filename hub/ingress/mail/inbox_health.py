"""How the IMAP inbox poller's passes go (``hub.ingress.mail.inbox.InboxPoller``), for ``/readyz`` and ``/metrics``.

A pass that cannot reach the mailbox, log in or select its folder (`InboxUnreachable`), or that fails otherwise,
is a failed pass; one that reads the folder is ok, whatever became of its mails. After ``FAILED_PASSES`` (3)
failed passes in a row, ``/readyz`` names ``mail-inbox`` (``checks``: false, ``failing``: the last reason; status
``degraded``, still 200, as a failing background dependency is: the hub accepts everything else, answers may still
come by ``POST /mail/inbound``, and those in the mailbox wait there, unseen, for the first pass that reaches it).
One ok pass clears it. ``/metrics``: ``onepoint_mail_inbox_passes_total{outcome}`` (ok, failed),
``onepoint_mail_inbox_mails_total{result}`` (taken, refused, left) and
``onepoint_mail_inbox_last_success_timestamp_seconds`` (0 before the first ok pass).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from hub.observability.metrics import Metrics
from hub.observability.probes import ProbeState

__all__ = ["FAILED_PASSES", "INBOX_CHECK", "InboxHealth"]

FAILED_PASSES = 3  # failed passes in a row before /readyz names the inbox
INBOX_CHECK = "mail-inbox"  # its name in /readyz's checks and failing

log = logging.getLogger("onepoint.ingress.mail.inbox")


class InboxHealth:
    """The outcome of the poller's passes (thread-safe: the poller's thread writes, requests read)."""

    def __init__(self, metrics: Metrics | None = None, *, failed_passes: int = FAILED_PASSES,
                 clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time) -> None:
        self.metrics = metrics
        self.failed_passes = failed_passes
        self._clock, self._wall_clock = clock, wall_clock
        self._lock = threading.Lock()
        self._failed_in_a_row = 0
        self._reason: str | None = None
        self._since = clock()
        if metrics is not None:
            metrics.expect_inbox()

    def passed(self, *, taken: int, refused: int, left: int) -> None:
        """A pass read the folder; ``taken``, ``refused``, ``left``: what became of its mails."""
        with self._lock:
            if self._failed_in_a_row >= self.failed_passes:
                log.warning("inbox answers again", extra={"failed_passes": self._failed_in_a_row})
            if self._failed_in_a_row:
                self._since = self._clock()
            self._failed_in_a_row, self._reason = 0, None
        if self.metrics is not None:
            self.metrics.inbox_pass("ok", self._wall_clock())
            self.metrics.inbox_mails(taken=taken, refused=refused, left=left)

    def failed(self, reason: str) -> None:
        """A pass could not read the folder (``reason``: why, as the poller logs it)."""
        with self._lock:
            if self._failed_in_a_row == 0:
                self._since = self._clock()
            self._failed_in_a_row += 1
            self._reason = reason
        if self.metrics is not None:
            self.metrics.inbox_pass("failed")

    def state(self) -> ProbeState:
        """Failing after ``failed_passes`` failed passes in a row, with the last one's reason; else ok."""
        with self._lock:
            if self._failed_in_a_row < self.failed_passes:
                return ProbeState(True, None, self._since)
            return ProbeState(False, f"{self._failed_in_a_row} passes in a row failed, the last: {self._reason}",
                              self._since)
