"""The NSP emulator's state: tickets of dispatched complaints and network notices, with their numbering.

Tickets are numbered ``NSP<yyyymmdd><6 digits>`` from a seeded offset, notices ``FLT-``/``ADJ-<yyyymmdd>-<4 digits>``.
A reset forgets everything. Callers hold :attr:`NspState.lock` while they read or change several fields together.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime
from typing import Any

from emulators.nsp.notices import Notice
from emulators.toolkit.xmlcommand import CST

__all__ = ["NspState"]


class NspState:
    def __init__(self, seed: int | str) -> None:
        self.seed = seed
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.tickets: dict[str, dict[str, Any]] = {}
            self.by_message: dict[str, str] = {}
            self.notices: dict[str, Notice] = {}
            self.script_names: dict[str, str] = {}
            self._ticket_seq = random.Random(f"{self.seed}:nsp-tickets").randrange(1, 5000)  # noqa: S311
            self._notice_seq = 0

    def next_ticket_id(self, now: float) -> str:
        with self.lock:
            self._ticket_seq += 1
            return f"NSP{datetime.fromtimestamp(now, CST):%Y%m%d}{self._ticket_seq % 10**6:06d}"

    def next_notice_id(self, kind: str, now: float) -> str:
        with self.lock:
            self._notice_seq += 1
            prefix = "ADJ" if kind == "PLANNED_WORK" else "FLT"
            return f"{prefix}-{datetime.fromtimestamp(now, CST):%Y%m%d}-{self._notice_seq % 10**4:04d}"

    def covering_notice(self, area_code: str, district: str | None, functions: list[str]) -> Notice | None:
        """The active notice that explains a complaint in this area about these services, if any."""
        with self.lock:
            return next((n for n in self.notices.values() if n.covers(area_code, district, functions)), None)

    def snapshot(self) -> dict[str, Any]:
        """Copies of the tickets and the notices (the admin view adds the call-backs to them)."""
        with self.lock:
            return {"tickets": [dict(t) for t in self.tickets.values()],
                    "notices": [n.to_json() for n in self.notices.values()]}
