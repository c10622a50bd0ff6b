"""The SLA table and the calendars a running process works by, kept as their files are now.

An operator edits ``sla.toml`` or ``calendars.toml`` (``[workflow] sla`` / ``calendars``, else the packaged seed)
and runs ``onepoint workorders recalculate``, or just waits: every running hub and worker takes the new file
without a restart. ``RuleFiles.refresh`` looks at both files' size, modification time and inode (one ``stat``
each, at most once a ``every`` seconds unless asked ``now``); a file that changed is read, and a new version is
checked as at start (the calendars listing every department the hub makes an owner: ``owner_calendars``; the
years their holiday sets cover, seen from the clock's date ``today``: ``holiday_years``) and put in the engine. A
file refused by the checks (or unreadable) is logged with every problem and the running table stays; it is not read
again until it changes once more.

The taxonomy is read at start only: its files are looked at in the same pass (``TaxonomyFiles``), and a change
is logged once as a WARNING saying the hub must be restarted to apply it.

Who calls it: the engine before each creation (throttled) and before each action, at once when the work order's
stored ``sla_version`` is not its own (a recalculation by another process after an edit, which this process must
not undo with the table it had); the deadline scheduler at each pass, which then recalculates the open work
orders (``hub.workflow.recalculation``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hub.workflow.calendars import load_calendars
from hub.workflow.datafile import DataFileError, packaged
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.escalation_managers import check_escalation_managers
from hub.workflow.owner_calendars import check_owner_calendars
from hub.workflow.sla import load_sla_table
from hub.workflow.taxonomy_files import TaxonomyFiles

__all__ = ["RuleFiles"]

log = logging.getLogger("onepoint.workflow")

Signature = tuple[int, int, int] | None  # (inode, size, mtime ns) of a file; None: it cannot be read


def _signature(path: Path) -> Signature:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


class RuleFiles:
    """The files behind ``engine.sla`` and ``engine.calendars``; ``refresh`` reloads the one that changed."""

    def __init__(self, engine: WorkOrderEngine, sla: Path | None, calendars: Path | None, *, every: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic, taxonomy: TaxonomyFiles | None = None,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self.engine, self.every, self._monotonic, self.taxonomy = engine, every, monotonic, taxonomy
        self._today = today
        self.sla_path = sla if sla is not None else packaged("sla.toml")
        self.calendars_path = calendars if calendars is not None else packaged("calendars.toml")
        self._seen = {self.sla_path: _signature(self.sla_path), self.calendars_path: _signature(self.calendars_path)}
        self._looked = monotonic()
        self._lock = threading.Lock()

    def refresh(self, now: bool = True) -> bool:
        """Reload a file that changed since the last look; whether the engine's table or calendars changed.
        ``now=False``: only if the last look is ``every`` seconds old (the engine's call on every creation)."""
        if not now and self._monotonic() - self._looked < self.every:
            return False
        with self._lock:
            self._looked = self._monotonic()
            changed = False
            if self._changed(self.sla_path):
                changed |= self._reload_sla()
            if self._changed(self.calendars_path):
                changed |= self._reload_calendars()
            if self.taxonomy is not None:  # not reloaded: a change is only said to need a restart
                self.taxonomy.look()
            return changed

    def _changed(self, path: Path) -> bool:
        signature = _signature(path)
        if signature == self._seen.get(path):
            return False
        self._seen[path] = signature
        return True

    def _reload_sla(self) -> bool:
        try:
            table = load_sla_table(self.sla_path)
        except DataFileError as exc:
            log.error("SLA table not reloaded: the running table stays", extra={"reason": str(exc)})
            return False
        if table.version == self.engine.sla.version:
            return False
        log.info("SLA table reloaded", extra={"source": str(self.sla_path), "version": table.version,
                                              "replaced": self.engine.sla.version})
        self.engine.sla = table
        self._check_managers()
        return True

    def _reload_calendars(self) -> bool:
        try:
            calendars = load_calendars(self.calendars_path, today=self._today())
            check_owner_calendars(calendars, self.engine.taxonomy, self.engine.settings.intake_department)
        except DataFileError as exc:
            log.error("calendars not reloaded: the running calendars stay", extra={"reason": str(exc)})
            return False
        if calendars.version == self.engine.calendars.version:
            return False
        log.info("calendars reloaded", extra={"source": str(self.calendars_path), "version": calendars.version,
                                              "replaced": self.engine.calendars.version})
        self.engine.calendars = calendars
        self._check_managers()
        return True

    def _check_managers(self) -> None:
        """Warn of ``[workflow.escalation_managers]`` entries the new table or calendars leave unused (a role no
        chain has any more, a department no longer listed): checked at start, where they stop the hub; here the new
        file is taken all the same (those entries are only never looked up) and the WARNING names each one."""
        try:
            check_escalation_managers(self.engine.settings.escalation_managers, self.engine.sla,
                                      self.engine.calendars)
        except DataFileError as exc:
            log.warning("escalation managers left unused by the reloaded rules: fix the settings and restart",
                        extra={"reason": str(exc)})
