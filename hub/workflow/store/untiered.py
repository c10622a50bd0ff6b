"""The tier recheck's side of the store: the open work orders created while BOSS gave no tier (``tier`` NULL) and
not replied yet (``replied_at`` NULL: a reply was counted under the tier it had, docs/statistics.md).

A number BOSS does not know is stored as ``OTHER_BRAND``, so a NULL tier means only "BOSS gave no tier" (no answer,
or an error answer such as ``boss-refused``, which the recheck asks once: ``tier_recheck``). A tier BOSS gave is
never asked again: it is fixed at creation (docs/deadlines.md). The read
is one indexed query (``ix_work_orders_tier_created`` holds the NULLs on SQLite and PostgreSQL), oldest first,
bounded by the creation time the recheck still looks back to.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, select

from hub.workflow.store.dialect import READ_ONLY
from hub.workflow.store.schema import work_orders

__all__ = ["untiered_work_orders"]

_wo = work_orders.c


def untiered_work_orders(engine: Engine, states: Collection[str], *, since: datetime,
                         limit: int) -> list[tuple[str, str]]:
    """``(id, msisdn)`` of up to ``limit`` work orders in ``states`` with no tier and no reply, created at or after
    ``since``, oldest first."""
    query = (select(_wo.id, _wo.msisdn)
             .where(_wo.tier.is_(None), _wo.state.in_(list(states)), _wo.created_at >= since,
                    _wo.replied_at.is_(None))
             .order_by(_wo.created_at, _wo.id).limit(limit))
    with engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
        return [(str(r[0]), str(r[1])) for r in connection.execute(query)]
