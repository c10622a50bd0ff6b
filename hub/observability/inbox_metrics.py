"""The IMAP inbox poller's series on ``/metrics``, registered only in a process that reads an inbox.

``onepoint_mail_inbox_passes_total{outcome}`` (ok, failed), ``onepoint_mail_inbox_mails_total{result}`` (taken,
refused, left) and ``onepoint_mail_inbox_last_success_timestamp_seconds`` (0 before the first ok pass). A hub
without ``[mail.inbox]`` and a separate worker export none of them, so an alert on the last success's age
(``time() - onepoint_mail_inbox_last_success_timestamp_seconds > 600``) has nothing to fire on there.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["InboxSeries"]


class InboxSeries:
    """The three series, registered in ``registry`` when made, each shown at 0 from the start."""

    def __init__(self, registry: CollectorRegistry, *, prefix: str) -> None:
        self._passes = Counter(f"{prefix}_mail_inbox_passes", "IMAP inbox passes, by outcome (ok, failed: the "
                               "mailbox not read).", ["outcome"], registry=registry)
        self._mails = Counter(f"{prefix}_mail_inbox_mails", "Mails fetched from the IMAP inbox, by result (taken, "
                              "refused: flagged, left: unseen for the next pass).", ["result"], registry=registry)
        self._success = Gauge(f"{prefix}_mail_inbox_last_success_timestamp_seconds", "When the IMAP inbox was "
                              "last read (Unix time; 0: never).", registry=registry)
        for outcome in ("ok", "failed"):
            self._passes.labels(outcome=outcome)
        for result in ("taken", "refused", "left"):
            self._mails.labels(result=result)

    def passed(self, outcome: str, at: float | None = None) -> None:
        """A pass ended ``ok`` (at Unix time ``at``) or ``failed``."""
        self._passes.labels(outcome=outcome).inc()
        if outcome == "ok" and at is not None:
            self._success.set(at)

    def mails(self, *, taken: int, refused: int, left: int) -> None:
        for result, count in (("taken", taken), ("refused", refused), ("left", left)):
            self._mails.labels(result=result).inc(count)
