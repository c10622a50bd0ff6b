"""An incident's children: the complaints of its window found when it opens, a complaint linked to it (its
``incident_id`` and a field entry in its history), the children it has, and how many; those a revision of an
outage notice handed back to their owners (``handed_back``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.engine import Connection

from hub.workflow.incidents.window import HOLDING, PHENOMENON_LENGTH
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.schema import work_order_history, work_orders

__all__ = ["OUTAGE_UNLINKED", "child_count", "child_state", "children_of", "complaints_of_window", "handed_back",
           "is_open", "link"]

# the history action of a child a revision of an outage notice unlinked (``hub.workflow.outages.revision``, a
# sibling package this one does not import: a test holds the two equal)
OUTAGE_UNLINKED = "OUTAGE_UNLINKED"
_wo = work_orders.c
_h = work_order_history.c

# The window's complaints not linked yet (to an outage or an incident), each with ``repeat_of`` (a repeat held for
# the open complaint it repeats: counted, never linked, answered with its original): read once, when an incident
# opens; the creation-time index (created_at: when the ingress accepted each, what the window is measured on)
# bounds it to the window's minutes.
_WINDOW_COMPLAINTS = (
    select(_wo.id, _wo.msisdn, _wo.contact_number, _wo.occurred_at, _wo.location, _wo.dispatch_fields,
           _wo.created_at, _wo.repeat_of)
    .where(_wo.created_at >= bindparam("since"), _wo.created_at < bindparam("ends"),
           # the phenomenon and its refinements: a range of the category index ('.' < '/')
           _wo.category_code >= bindparam("category"), _wo.category_code < bindparam("category_end"),
           _wo.intake_point == bindparam("intake"), _wo.ticket_type == "COMPLAINT",
           _wo.incident_id.is_(None), _wo.outage_id.is_(None))
    .order_by(_wo.created_at, _wo.id)
)
_CHILDREN = select(_wo.id, _wo.state).where(_wo.incident_id == bindparam("incident")).order_by(_wo.created_at,
                                                                                               _wo.id)
_CHILD_STATE = select(_wo.state).where(_wo.id == bindparam("child"))
_HANDED_BACK = select(_wo.id).where(  # unlinked from a notice and linked to none since
    _wo.incident_id == bindparam("incident"), _wo.outage_id.is_(None),
    exists().where(_h.work_order_id == _wo.id, _h.action == OUTAGE_UNLINKED))
# an incident still holding its key (``window.HOLDING``, the one definition): its fault report still covers its
# children (and a complaint linked to it now); one its department rejected (DISPATCH_REJECTED) covers no new one
_OPEN = select(_wo.id).where(_wo.id == bindparam("incident"), _wo.ticket_type == "INCIDENT",
                             _wo.state.in_(sorted(state.value for state in HOLDING)))
_CHILD_COUNT = select(func.count()).select_from(work_orders).where(_wo.incident_id == bindparam("incident"))


def complaints_of_window(connection: Connection, category_code: str, intake_point: str, since: datetime,
                         ends: datetime) -> list[dict[str, Any]]:
    """The complaints of one window key (``category_code``'s phenomenon, ``intake_point``) accepted from ``since``
    to before ``ends`` and linked to nothing, oldest first."""
    phenomenon = category_code[:PHENOMENON_LENGTH]
    found = connection.execute(_WINDOW_COMPLAINTS, {"since": since, "ends": ends, "category": phenomenon,
                                                    "category_end": phenomenon + "/",
                                                    "intake": intake_point})
    return [dict(row) for row in found.mappings()]


def link(tx: WorkOrderTransaction, work_order_id: str, incident_id: str, now: datetime, *,
         message_id: str | None = None) -> None:
    """The complaint becomes a child of the incident (said in its history)."""
    tx.update(work_order_id, {"incident_id": incident_id, "updated_at": now}, history=[HistoryEntry(
        at=now, kind="field", actor="hub", system="HUB", field="incident_id", new_value=incident_id,
        note=f"linked to incident {incident_id}", message_id=message_id)])


def is_open(connection: Connection, incident_id: str) -> bool:
    """Whether the incident is still open (``window.HOLDING``: not answered, closed, cancelled nor rejected by its
    department): a complaint may be linked to it."""
    return connection.execute(_OPEN, {"incident": incident_id}).first() is not None


def children_of(connection: Connection, incident_id: str) -> list[tuple[str, str]]:
    """The incident's children as ``(id, state)``, oldest first (the incident-id index)."""
    return [(str(row[0]), str(row[1])) for row in connection.execute(_CHILDREN, {"incident": incident_id})]


def child_state(connection: Connection, child_id: str) -> str | None:
    """A child's state as it stands now in the transaction (another child's answer may have answered it: a held
    repeat answered with its original), or None when there is no such work order."""
    state = connection.execute(_CHILD_STATE, {"child": child_id}).scalar_one_or_none()
    return None if state is None else str(state)


def handed_back(connection: Connection, incident_id: str) -> set[str]:
    """The incident's children a revision of an outage notice unlinked and no notice has linked since: the
    revision told their owners to handle them as any complaint, the notice's clearance does not reply them."""
    return {str(row[0]) for row in connection.execute(_HANDED_BACK, {"incident": incident_id})}


def child_count(connection: Connection, incident_id: str) -> int:
    """How many complaints the incident has (QueryWorkOrder's ChildCount), read on the query's own connection."""
    return int(connection.execute(_CHILD_COUNT, {"incident": incident_id}).scalar_one())
