"""What a running hub (or worker) made of its last routing-table reload, written beside its pid file.

SIGHUP makes ``onepoint serve`` and ``onepoint worker`` load their routing table again; a table that does not
check (or cannot be read: not UTF-8, gone) is refused and the running one stays; any other error of the reload is
refused the same way, never raised out of the signal handler. A signal has no answer, so the process writes the
outcome to ``<pid file>.reload`` (one JSON object, replaced atomically) and ``onepoint routes reload --pid-file``
waits for it to change: exit 0 when the table was taken, 1 with the reason when it was refused or nothing
answered.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from hub.routing.table import RoutingTable, RoutingTableError

__all__ = ["ReloadOutcome", "RouteReloads", "outcome_path", "read_outcome", "write_outcome"]

log = logging.getLogger("onepoint.routing")


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    pid: int  # the process that reloaded (a restarted hub has another)
    seq: int  # its reloads counted from 1: tells this outcome from the one before
    ok: bool
    source: str  # the routing table's file, or "built-in"
    routes: int  # the routes now in force (0 when refused)
    reason: str = ""  # why it was refused

    def describe(self) -> str:
        if self.ok:
            return f"process {self.pid} reloaded its routing table: {self.source}, {self.routes} routes"
        return f"process {self.pid} kept its routing table: {self.reason}"


def outcome_path(pid_file: Path) -> Path:
    return pid_file.with_name(pid_file.name + ".reload")


def write_outcome(path: Path, outcome: ReloadOutcome) -> None:
    partial = path.with_name(path.name + f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(outcome), ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)  # a reader sees the old outcome or the new one, never half of one


def read_outcome(path: Path) -> ReloadOutcome | None:
    """The outcome written last, or None (no reload yet, or not a file this module wrote)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ReloadOutcome(pid=int(data["pid"]), seq=int(data["seq"]), ok=bool(data["ok"]),
                             source=str(data["source"]), routes=int(data["routes"]), reason=str(data["reason"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class RouteReloads:
    """A process's reloads: each one counted, logged and (with a pid file) written for ``routes reload``."""

    def __init__(self, reload: Callable[[], RoutingTable], *, source: str, pid_file: Path | None = None) -> None:
        self._reload, self.source, self.pid_file = reload, source, pid_file
        self.seq = 0

    def __call__(self) -> ReloadOutcome:
        self.seq += 1
        try:
            table = self._reload()
        except RoutingTableError as exc:
            log.error("routing table not reloaded: the running table stays", extra={"reason": str(exc)})
            outcome = ReloadOutcome(os.getpid(), self.seq, False, self.source, 0, str(exc))
        except Exception as exc:  # anything else (a bug, an unexpected error): still refused, never the process
            log.exception("routing table not reloaded: the running table stays")
            outcome = ReloadOutcome(os.getpid(), self.seq, False, self.source, 0, f"{type(exc).__name__}: {exc}")
        else:
            log.info("routing table reloaded", extra={"source": table.source, "routes": len(table.routes)})
            outcome = ReloadOutcome(os.getpid(), self.seq, True, str(table.source), len(table.routes))
        if self.pid_file is not None:
            write_outcome(outcome_path(self.pid_file), outcome)
        return outcome
