"""Whether every process on one work-order database computes deadlines with the same rule files and checks
complaints by the same taxonomy.

Every hub and workflow worker on one database must have the same ``[workflow] sla``, ``calendars`` and
``taxonomy`` files: one started with other rule files recalculates every open work order's deadlines to its own,
and the work orders each creates get its own limits; with another taxonomy a complaint in a category only some know
(a level-4 refinement rolled out to one hub) is accepted or refused ``unknown-category``, and a dispatch checked
against other required fields, depending on which worker takes the message. Each process running the workflow
keeps a row in ``rule_file_users`` (its host, pid and the versions of its SLA table, calendars and taxonomy, the
last a hash of its files' content: ``hub.workflow.taxonomy.version``; renewed every ``interval`` seconds, removed
when it stops; one not renewed for ``GONE_AFTER`` is a process gone) and, at each renewal, compares the others'
versions with its own: while some differ it says so in one WARNING naming them and what differs (again only when
the set of those processes or their versions changes), and once they agree again in one INFO line. ``/metrics``
counts the processes per versions (``onepoint_rule_file_processes``; more than one series: they disagree),
whichever process is scraped.

::

    agreement = RuleFileAgreement(runtime).start()
    ...
    agreement.stop()   # its row goes
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import datetime, timedelta

from hub.workflow.passes import PassThread
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.rule_file_users import GONE_AFTER, RuleFileUser, announce, withdraw

__all__ = ["ANNOUNCE_EVERY", "GONE_AFTER", "RuleFileAgreement"]

log = logging.getLogger("onepoint.workflow.rules")
ANNOUNCE_EVERY = 10.0  # seconds between two renewals of a process's row


def _process_id(host: str, pid: int) -> str:
    return f"{host}/{pid}/{secrets.token_hex(4)}"


class RuleFileAgreement(PassThread):
    """A process's row in ``rule_file_users``, renewed by ``run_pass`` (its thread: ``start``/``stop``)."""

    thread_name, what = "rule-file-agreement", "rule files' agreement"
    log = log  # the outage log's logger: this module's

    def __init__(self, runtime: WorkflowRuntime, *, interval: float = ANNOUNCE_EVERY,
                 gone_after: timedelta = GONE_AFTER, host: str | None = None, pid: int | None = None) -> None:
        super().__init__(interval)
        self.runtime, self.gone_after = runtime, gone_after
        self.host = host if host is not None else socket.gethostname()
        self.pid = pid if pid is not None else os.getpid()
        self.process_id = _process_id(self.host, self.pid)
        self.started_at = runtime.clock.now()
        self._said: frozenset[tuple[str, ...]] = frozenset()  # (process, sla, calendars, taxonomy) last warned of

    def run_pass(self) -> list[RuleFileUser]:
        """Renew this process's row; the other running processes whose rule files or taxonomy differ (warned of
        when new)."""
        now = self.runtime.clock.now()
        engine = self.runtime.engine
        me = RuleFileUser(self.process_id, self.host, self.pid, engine.sla.version, engine.calendars.version,
                          self.started_at, now, taxonomy_version=engine.taxonomy.version)
        others = announce(self.runtime.store.engine, me, self.gone_after)
        differing = [other for other in others if other.versions != me.versions]
        self._tell(me, differing)
        return differing

    def _tell(self, me: RuleFileUser, differing: list[RuleFileUser]) -> None:
        said = frozenset((other.process_id, *other.versions) for other in differing)
        if said == self._said:
            return
        if differing:
            log.warning("other processes on this work-order database compute deadlines with other rule files or "
                        "check complaints by another taxonomy: every hub and workflow worker on one database must "
                        "have the same [workflow] sla, calendars and taxonomy files (each one started with other "
                        "rule files recalculates the open work orders to its own; with another taxonomy a "
                        "complaint's category is accepted or refused by whichever worker takes it)", extra={
                            "sla_version": me.sla_version, "calendars_version": me.calendars_version,
                            "taxonomy_version": me.taxonomy_version,
                            "others": [_described(other, me) for other in differing]})
        else:
            log.info("every process on this work-order database computes deadlines with the same rule files again "
                     "(and the same taxonomy)", extra={"sla_version": me.sla_version,
                                                      "calendars_version": me.calendars_version,
                                                      "taxonomy_version": me.taxonomy_version})
        self._said = said

    def stop(self) -> None:
        super().stop()
        try:
            withdraw(self.runtime.store.engine, self.process_id)
        except Exception as exc:  # the database away: the row ages out (GONE_AFTER)
            log.info("rule files' agreement: this process's row not removed, it ages out", extra={"reason": str(exc)})


def _described(other: RuleFileUser, me: RuleFileUser) -> str:
    """``host pid 1234 (started 2026-12-06T09:00:00+00:00): sla 1a2b… (this: 3c4d…)``, what differs only."""
    parts = [f"{other.host} pid {other.pid} (started {_moment(other.started_at)})"]
    if other.sla_version != me.sla_version:
        parts.append(f"sla {other.sla_version} (this process: {me.sla_version})")
    if other.calendars_version != me.calendars_version:
        parts.append(f"calendars {other.calendars_version} (this process: {me.calendars_version})")
    if other.taxonomy_version != me.taxonomy_version:
        parts.append(f"taxonomy {other.taxonomy_version or '(not recorded: an older release)'} "
                     f"(this process: {me.taxonomy_version})")
    return ": ".join(parts[:1]) + ": " + ", ".join(parts[1:])


def _moment(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
