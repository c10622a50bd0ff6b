"""The NSP emulator's state: tickets of dispatched complaints and network notices, with their numbering.

Tickets are numbered ``NSP<yyyymmdd><6 digits>``, notices ``FLT-``/``ADJ-<yyyymmdd>-<4 digits>``. Both sequences
start at a random point when the emulator is created and go on across resets, never back: a hub that kept what an
earlier run (or the run before a reset) sent already holds those ids, and a notice that reused a cleared one's id at
revision 1 would be stale there and dropped (the newest revision wins). So numbers never repeat in one process (until
a day's 10,000 notice or 1,000,000 ticket numbers are used up), and a restart repeats one only if its numbers meet
the earlier run's (for n notices a run, about 2n in 10,000). They are the only thing of NSP's that is not seeded: the
replies, their causes and wording stay the seed's. A number already in use (a notice id a tester chose, a ticket
number after the sequence wrapped) is skipped. At most
``max_tickets`` tickets are kept: past that, the oldest answered ticket goes first (the oldest of all when none is
answered); the MessageIds seen are remembered four times as long, so a repeated dispatch is still DUPLICATE. The
hub's withdrawals (``emulators.nsp.withdrawals``) are kept by work order (the first, with how many repeated it),
and their answers by MessageId, as many as four times ``max_tickets`` each (the oldest go first). A reset forgets
everything. Callers hold :attr:`NspState.lock` while they read or change several fields together.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Container
from datetime import datetime
from typing import Any

from emulators.nsp.notices import Notice
from emulators.toolkit.xmlcommand import CST, CommandError

__all__ = ["NspState"]

TICKET_NUMBERS = 10**6
NOTICE_NUMBERS = 10**4


class NspState:
    def __init__(self, *, max_tickets: int = 10_000) -> None:
        if max_tickets < 1:
            raise ValueError("max_tickets must be at least 1")
        self.max_tickets = max_tickets
        self.lock = threading.RLock()
        draw = random.SystemRandom()  # not the seed: another run of the same seed must not repeat these numbers
        self._ticket_seq = draw.randrange(TICKET_NUMBERS)
        self._notice_seq = draw.randrange(NOTICE_NUMBERS)
        self.reset()

    def reset(self) -> None:
        """Forget every ticket and notice; the numbering goes on (module docstring)."""
        with self.lock:
            self.tickets: dict[str, dict[str, Any]] = {}
            self.by_message: OrderedDict[str, str] = OrderedDict()
            self.notices: dict[str, Notice] = {}
            self.script_names: dict[str, str] = {}
            self._answered: OrderedDict[str, None] = OrderedDict()  # ticket ids, oldest answer first
            self.withdrawals: OrderedDict[str, dict[str, Any]] = OrderedDict()  # by work order id
            self.withdraw_answers: OrderedDict[str, dict[str, Any]] = OrderedDict()  # by the withdrawal's MessageId
            self.evicted = 0

    def next_ticket_id(self, now: float) -> str:
        day = f"{datetime.fromtimestamp(now, CST):%Y%m%d}"
        with self.lock:
            found = _first_free(self._ticket_seq, TICKET_NUMBERS, lambda n: f"NSP{day}{n:06d}", self.tickets)
            if found is not None:
                self._ticket_seq, ticket_id = found
                return ticket_id
        raise CommandError(503, "no-ticket-number", f"every ticket number of {day} is in use")

    def next_notice_id(self, kind: str, now: float) -> str:
        prefix = "ADJ" if kind == "PLANNED_WORK" else "FLT"
        day = f"{datetime.fromtimestamp(now, CST):%Y%m%d}"
        with self.lock:
            found = _first_free(self._notice_seq, NOTICE_NUMBERS, lambda n: f"{prefix}-{day}-{n:04d}", self.notices)
            if found is not None:
                self._notice_seq, notice_id = found
                return notice_id
        raise CommandError(503, "no-notice-number", f"every {prefix} notice number of {day} is in use")

    def add_ticket(self, ticket: dict[str, Any]) -> None:
        """Keep a new ticket (and its MessageId), evicting as the module docstring says."""
        with self.lock:
            self.tickets[ticket["ticket_id"]] = ticket
            self.by_message[ticket["message_id"]] = ticket["ticket_id"]
            while len(self.by_message) > 4 * self.max_tickets:
                self.by_message.popitem(last=False)
            while len(self.tickets) > self.max_tickets:
                victim = next(iter(self._answered)) if self._answered else next(iter(self.tickets))
                self._answered.pop(victim, None)
                del self.tickets[victim]
                self.evicted += 1

    def answered(self, ticket_id: str) -> None:
        """The ticket was replied to: first in line when tickets must be evicted."""
        with self.lock:
            if ticket_id in self.tickets:
                self._answered[ticket_id] = None

    def tickets_of(self, work_order_id: str) -> list[dict[str, Any]]:
        """The tickets kept for the work order, oldest first."""
        with self.lock:
            return [ticket for ticket in self.tickets.values() if ticket["work_order_id"] == work_order_id]

    def keep_withdrawal(self, work_order_id: str, withdrawal: dict[str, Any], message_id: str,
                        answer: dict[str, Any]) -> None:
        """Keep the work order's withdrawal (the first; a later one counts in its ``repeats``) and its answer by
        MessageId, evicting the oldest."""
        with self.lock:
            first = self.withdrawals.get(work_order_id)
            if first is None:
                self.withdrawals[work_order_id] = {**withdrawal, "repeats": 0}
            else:
                first["repeats"] += 1
            self.withdraw_answers[message_id] = answer
            for kept in (self.withdrawals, self.withdraw_answers):
                while len(kept) > 4 * self.max_tickets:
                    kept.popitem(last=False)

    def covering_notice(self, area_code: str, district: str | None, functions: list[str]) -> Notice | None:
        """The active notice that explains a complaint in this area about these services, if any."""
        with self.lock:
            return next((n for n in self.notices.values() if n.covers(area_code, district, functions)), None)

    def snapshot(self, limit: int | None = None) -> dict[str, Any]:
        """Copies of the tickets, the notices and the withdrawals, the newest ``limit`` of each (all with None), and
        their counts."""
        with self.lock:
            tickets, notices = list(self.tickets.values()), list(self.notices.values())
            withdrawals = list(self.withdrawals.values())
            counts = {"ticket_count": len(tickets), "notice_count": len(notices), "tickets_evicted": self.evicted,
                      "withdrawal_count": len(withdrawals)}
            if limit is not None:
                tickets, notices, withdrawals = ((tickets[-limit:], notices[-limit:], withdrawals[-limit:])
                                                 if limit > 0 else ([], [], []))
            return {"tickets": [dict(t) for t in tickets], "notices": [n.to_json() for n in notices],
                    "withdrawals": [dict(w) for w in withdrawals], **counts}


def _first_free(last: int, numbers: int, name: Callable[[int], str], used: Container[str]) -> tuple[int, str] | None:
    """The sequence number after ``last`` whose id (``name`` of it modulo ``numbers``) is not ``used``, with that
    id; None when all ``numbers`` ids are taken. An id a tester chose, or one still kept after the sequence
    wrapped, is skipped, never reused."""
    for sequence in range(last + 1, last + numbers + 1):
        candidate = name(sequence % numbers)
        if candidate not in used:
            return sequence, candidate
    return None
