"""An outage notice's counts of one area's complaints, for statistics asked for an area.

The outage rule keeps each notice's counts on its row (``linked_count``, ``auto_answered_count``,
``dispatch_count``): the notice's whole lifetime, over every area it covers. A manager who asks for one area (a
city of a province-wide fibre cut) must see that area's complaints only, so these counts are read from the work
orders' history instead, counted as the rule counts them (``hub.workflow.outages.link_counts``). Each link writes an
``OUTAGE_LINK`` field entry naming the notice (``new_value``); a complaint counts once on each notice it is linked
to, by its *last* link to it:

* linked — a link entry to the notice, not taken back by a later ``OUTAGE_UNLINKED`` from it (a revision that no
  longer explains it gives back what the link counted); linked again by a later revision: counted once;
* answered at intake — of them, those whose ``AUTO_ANSWER`` state entry came before the link (the intake rule
  answers, then links);
* dispatched — of them, those dispatched before the link (a ``DISPATCH`` state entry before it: the notice arrived
  after NSP had the complaint), as the rule counts ``dispatch_fields`` at the link;
* a complaint moved to the notice at another's clearance or withdrawal (the entry's ``old_value`` names the notice
  it left) is linked only there; the notice it left keeps it, answered and dispatched as it was counted.

Summed over the areas a notice covers they are its lifetime counts
(``tests/unit/workflow/test_statistics_outage_areas.py``). The read goes through ``ix_work_orders_outage`` and the
history's ``(work_order_id, seq)`` key: the complaints linked now to the notices or to one active since the
earliest of them began (where a clearance moves its complaints), never the store. A complaint moved away and then
let go by a revision of the notice it moved to (no ``outage_id`` any more) is left out of the notice it left.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, or_, select

from hub.workflow.store.schema import outage_notices, work_order_history, work_orders

__all__ = ["AreaCounts", "area_counts"]

AreaCounts = tuple[int, int, int]  # linked, answered at intake, dispatched

LINK = "OUTAGE_LINK"  # hub.workflow.outages.link_counts.LINK (a sibling package: not imported)
UNLINKED = "OUTAGE_UNLINKED"  # hub.workflow.outages.relinking.UNLINKED
_STEPS = ("AUTO_ANSWER", "DISPATCH")
CHUNK = 500  # work order ids per history read
_w = work_orders.c
_h = work_order_history.c
_o = outage_notices.c


def _candidates(connection: Connection, notice_ids: Collection[str], area_code: str,
                since: datetime) -> list[tuple[str, str]]:
    """The area's complaints linked now to one of the notices, or to a notice still active at ``since`` (where a
    clearance of one of them may have moved them): (id, outage_id)."""
    later = select(_o.notice_id).where(or_(_o.cleared_at.is_(None), _o.cleared_at >= since))
    statement = (select(_w.id, _w.outage_id)
                 .where(or_(_w.outage_id.in_(sorted(notice_ids)), _w.outage_id.in_(later)),
                        _w.area_code == area_code, _w.ticket_type == "COMPLAINT")
                 .order_by(_w.id))
    return [(str(i), str(o)) for i, o in connection.execute(statement)]


def _steps(connection: Connection, ids: Sequence[str]) -> Iterable[tuple[str, str, str, str | None, str | None]]:
    """Their outage links and unlinks and their AUTO_ANSWER and DISPATCH state entries, in history order."""
    for start in range(0, len(ids), CHUNK):
        statement = (select(_h.work_order_id, _h.kind, _h.action, _h.old_value, _h.new_value)
                     .where(_h.work_order_id.in_(list(ids[start:start + CHUNK])),
                            or_((_h.kind == "state") & _h.action.in_(_STEPS),
                                (_h.kind == "field") & _h.action.in_((LINK, UNLINKED))))
                     .order_by(_h.work_order_id, _h.seq))
        for work_order_id, kind, action, old_value, new_value in connection.execute(statement):
            yield str(work_order_id), str(kind), str(action), old_value, new_value


def _counted(steps: Iterable[tuple[str, str, str | None, str | None]]) -> dict[str, AreaCounts]:
    """What one complaint's history counts on each notice: its last link to it, unless a revision took it back."""
    seen: set[str] = set()
    counted: dict[str, AreaCounts] = {}
    for kind, action, old_value, new_value in steps:
        if kind == "state":
            seen.add(action)
        elif action == LINK and new_value:
            moved = old_value is not None  # from a cleared or withdrawn notice, which counted its answer and dispatch
            counted[new_value] = (1, 0, 0) if moved else (1, int("AUTO_ANSWER" in seen), int("DISPATCH" in seen))
        elif action == UNLINKED and old_value:
            counted.pop(old_value, None)
    return counted


def area_counts(connection: Connection, notice_ids: Collection[str], area_code: str,
                since: datetime | None = None) -> dict[str, AreaCounts]:
    """Per notice of ``notice_ids``, the counts of the complaints of ``area_code`` it explains (0s: none);
    ``since``: the earliest start of the notices (default: the notices' own)."""
    found = {notice_id: (0, 0, 0) for notice_id in notice_ids}
    if not notice_ids:
        return found
    if since is None:
        earliest = select(_o.start_at).where(_o.notice_id.in_(sorted(notice_ids))).order_by(_o.start_at).limit(1)
        since = connection.execute(earliest).scalar_one()
    candidates = _candidates(connection, notice_ids, area_code, since)
    histories: dict[str, list[tuple[str, str, str | None, str | None]]] = {i: [] for i, _ in candidates}
    for work_order_id, kind, action, old_value, new_value in _steps(connection, sorted(histories)):
        histories[work_order_id].append((kind, action, old_value, new_value))
    for work_order_id, outage_id in candidates:
        steps = histories[work_order_id]
        counted = _counted(steps)
        if not any(action == LINK for _, action, _, _ in steps):  # linked before the entries were written
            counted = {outage_id: (1, 0, 0)}
        for notice_id, (linked, answered, dispatched) in counted.items():
            if notice_id in found:
                was = found[notice_id]
                found[notice_id] = (was[0] + linked, was[1] + answered, was[2] + dispatched)
    return found
