"""An outage notice's counts of one area's complaints, for statistics asked for an area.

The outage rule keeps each notice's counts on its row (``linked_count``, ``auto_answered_count``,
``dispatch_count``): the notice's whole lifetime, over every area it covers. A manager who asks for one area (a
city of a province-wide fibre cut) must see that area's complaints only, so these counts are read from the work
orders instead. Each complaint a notice explains carries it in ``outage_id`` (set once, never cleared) and has one
``OUTAGE_LINK`` history entry, written when it was linked:

* linked — the area's complaints with ``outage_id`` the notice;
* answered at intake — of them, those whose ``AUTO_ANSWER`` state entry came before the link (the intake rule
  answers, then links);
* dispatched — of them, those dispatched before the link (a ``DISPATCH`` state entry before it: the notice arrived
  after NSP had the complaint), as the rule counts ``dispatch_fields`` at the link.

Summed over the areas a notice covers they are its lifetime counts
(``tests/unit/workflow/test_statistics_outage_areas.py``). The read goes through ``ix_work_orders_outage`` and
the history's ``(work_order_id, seq)`` key: the notices' complaints, never the store.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, select

from hub.workflow.store.schema import work_order_history, work_orders

__all__ = ["AreaCounts", "area_counts"]

AreaCounts = tuple[int, int, int]  # linked, answered at intake, dispatched

_w = work_orders.c
_link = work_order_history.alias("link")
_step = work_order_history.alias("step")


def _before_link(action: str) -> ColumnElement[int]:
    """Whether the complaint's ``action`` state entry came before its link to the notice."""
    return case((exists().where(
        _step.c.work_order_id == _w.id, _step.c.kind == "state", _step.c.action == action,
        _step.c.seq < _link.c.seq), 1), else_=0)


def area_counts(connection: Connection, notice_ids: Collection[str], area_code: str) -> dict[str, AreaCounts]:
    """Per notice of ``notice_ids``, the counts of the complaints of ``area_code`` it explains (0s: none)."""
    if not notice_ids:
        return {}
    statement = (
        select(_w.outage_id, func.count(), func.sum(_before_link("AUTO_ANSWER")), func.sum(_before_link("DISPATCH")))
        .select_from(work_orders.join(_link, and_(
            _link.c.work_order_id == _w.id, _link.c.action == "OUTAGE_LINK", _link.c.field == "outage_id")))
        .where(_w.outage_id.in_(sorted(notice_ids)), _w.area_code == area_code, _w.ticket_type == "COMPLAINT")
        .group_by(_w.outage_id))
    found = {notice_id: (0, 0, 0) for notice_id in notice_ids}
    for notice_id, linked, answered, dispatched in connection.execute(statement):
        found[str(notice_id)] = (int(linked), int(answered or 0), int(dispatched or 0))
    return found
