"""The counters of an outage notice's row (``outage_notices``): the complaints it explains, linked to it
(``linked_count``), answered at intake by it (``auto_answered_count``) and dispatched before their link
(``dispatch_count``).

Each is written in the caller's transaction, so a complaint's changes and its notice's counts commit together:
``add_counts`` at once (a notice's arrival linking open complaints, a move at another's clearance),
``hold_counts`` at the commit (a complaint answered at intake: the notice's row locked only for the commit,
``write_held_counts``), ``take_back_counts`` for the links a revision lets go (never below zero;
``hub.workflow.outages.link_counts`` says what each link added).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, case, update
from sqlalchemy.engine import Connection

from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.schema import outage_notices

__all__ = ["add_counts", "hold_counts", "take_back_counts", "write_held_counts"]

_on = outage_notices.c
_COUNTS = update(outage_notices).where(_on.notice_id == bindparam("nid")).values(
    linked_count=_on.linked_count + bindparam("linked"),
    auto_answered_count=_on.auto_answered_count + bindparam("auto_answered"),
    dispatch_count=_on.dispatch_count + bindparam("dispatched"))
_TAKE_BACK = update(outage_notices).where(_on.notice_id == bindparam("nid")).values(**{  # never below zero
    name: case((column < bindparam(key), 0), else_=column - bindparam(key))
    for name, column, key in (("linked_count", _on.linked_count, "linked"),
                              ("auto_answered_count", _on.auto_answered_count, "auto_answered"),
                              ("dispatch_count", _on.dispatch_count, "dispatched"))})


def add_counts(db: Connection, notice_id: str, *, linked: int = 0, auto_answered: int = 0,
               dispatched: int = 0) -> None:
    """Add to the notice's counters (in the caller's transaction: the complaints' changes and the counts commit
    together)."""
    if linked or auto_answered or dispatched:
        db.execute(_COUNTS, {"nid": notice_id, "linked": linked, "auto_answered": auto_answered,
                             "dispatched": dispatched})


def take_back_counts(db: Connection, notice_id: str, *, linked: int = 0, auto_answered: int = 0,
                     dispatched: int = 0) -> None:
    """Take back from the notice's counters what the links of work orders it let go had added (each counter stays
    at zero or above: a count is of complaints, never negative)."""
    if linked or auto_answered or dispatched:
        db.execute(_TAKE_BACK, {"nid": notice_id, "linked": linked, "auto_answered": auto_answered,
                                "dispatched": dispatched})


def write_held_counts(db: Connection, counts: Mapping[Any, int]) -> None:
    """``WorkOrderTransaction.add_at_commit``'s writer of the notices' counters: ``{(notice_id, "linked" |
    "auto_answered" | "dispatched"): n}``, one update per notice, in notice order."""
    per_notice: dict[str, dict[str, int]] = {}
    for (notice_id, measure), n in counts.items():
        per_notice.setdefault(str(notice_id), {"linked": 0, "auto_answered": 0, "dispatched": 0})[str(measure)] += n
    rows = [{"nid": notice_id, **added} for notice_id, added in sorted(per_notice.items()) if any(added.values())]
    if rows:
        db.execute(_COUNTS, rows)


def hold_counts(tx: WorkOrderTransaction, notice_id: str, *, linked: int = 0, auto_answered: int = 0) -> None:
    """Add to the notice's counters at the commit of ``tx``: every complaint an outage explains adds to its
    notice's row, which is then locked only for the commit (a burst's complaints in several workers' batches do
    not queue on it for whole batches)."""
    tx.add_at_commit(write_held_counts, {(notice_id, "linked"): linked, (notice_id, "auto_answered"): auto_answered})
