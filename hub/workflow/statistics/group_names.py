"""The names of the group customers the figures show: the counters keep BOSS's number only (``grains``, the group
grain), so the name is read when the figures are built -- the latest ``group_name`` the work orders of the group's
members keep (BOSS may rename a group: the newest complaint's name wins), through ``ix_work_orders_group_created``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import Connection, select

from hub.workflow.statistics.departments import GroupFigures
from hub.workflow.store.schema import work_orders

__all__ = ["group_names", "named"]

_w = work_orders.c


def group_names(connection: Connection, group_ids: Iterable[str]) -> dict[str, str]:
    """Each group's latest name (the last created work order of its members that keeps one); a group no work order
    names is left out. One indexed read per group: the figures show the top N (at most 100)."""
    names: dict[str, str] = {}
    for group_id in dict.fromkeys(group_ids):
        statement = (select(_w.group_name).where(_w.group_id == group_id, _w.group_name.is_not(None),
                                                 _w.group_name != "")
                     .order_by(_w.created_at.desc(), _w.id.desc()).limit(1))
        name = connection.execute(statement).scalar_one_or_none()
        if name:
            names[group_id] = str(name)
    return names


def named(connection: Connection, groups: list[GroupFigures]) -> list[GroupFigures]:
    """``groups`` with their names (``group_names``)."""
    names = group_names(connection, (g.group_id for g in groups))
    return [replace(g, group_name=names.get(g.group_id)) for g in groups]
