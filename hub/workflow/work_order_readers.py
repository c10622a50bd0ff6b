"""Which work orders a system may read with ``QueryWorkOrder`` (also ``GET /workorders/ID``), and the OA items the
hub keeps so that OA may read theirs.

The authorization table says which systems may send QueryWorkOrder at all; this says which work orders each is
answered, by the envelope's ``SourceSystem`` (the ingress refuses a caller sending as another system, so it is the
authenticated caller's own):

* ``CS``, the complaint front ends: any work order, as they take and work every complaint;
* ``OA``: only the work orders the hub pushed OA a to-do or a to-read of (``oa:PushTodo``, ``oa:PushToRead``: an
  escalation, a dispatched department's to-do, a deadline warning, a customer's reminder, an outage's to-read), as
  its grant is for its items' links;
* ``NSP`` (no grant in the built-in defaults; a deployment may give one): only the work orders the hub dispatched to
  NSP (``NetworkComplaintDispatch``, kept in ``nsp_dispatches`` while NSP may still answer);
* any other system (BOSS, CRM, DSMP, MAIL): none, as the hub pushes them no item linking to a work order.

A work order a system may not read is answered as an unknown one (``unknown-work-order``, 404 on the link): the
answer does not tell whether it exists. The check is one indexed read in the handler's store transaction, made
before the work order is read.

``QueryWorkOrders`` is scoped by the same rule (``readable_scope``): a system is listed, and counted, only the work
orders it may read with QueryWorkOrder, whatever its grant (a ``workorder.*`` grant includes QueryWorkOrders).
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree
from sqlalchemy import ColumnElement, false
from sqlalchemy.engine import Connection

from hub.workflow.store.oa_items import (
    TO_READ,
    TODO,
    dispatched_to_nsp,
    dispatched_to_nsp_clause,
    has_oa_item,
    has_oa_item_clause,
    record_oa_item,
)

__all__ = ["OA_PUSHES", "keep_oa_item", "may_read", "readable_scope"]

OA = "urn:onepoint:oa:1"
OA_PUSHES = frozenset({f"{{{OA}}}PushTodo", f"{{{OA}}}PushToRead"})  # the items OA shows, each with the link
FRONT_END = "CS"  # the complaint front ends: every work order is theirs to read


def may_read(db: Connection, system: str, work_order_id: str) -> bool:
    """Whether ``system`` may read ``work_order_id`` with QueryWorkOrder (see the module)."""
    if system == FRONT_END:
        return True
    if system == "OA":
        return has_oa_item(db, work_order_id)
    if system == "NSP":
        return dispatched_to_nsp(db, work_order_id)
    return False


def readable_scope(system: str) -> ColumnElement[bool] | None:
    """The condition on ``work_orders`` a system's QueryWorkOrders is held to (``None``: every work order), the
    same rule as ``may_read``."""
    if system == FRONT_END:
        return None
    if system == "OA":
        return has_oa_item_clause()
    if system == "NSP":
        return dispatched_to_nsp_clause()
    return false()


def keep_oa_item(db: Connection, document: etree._Element, now: datetime) -> None:
    """Keep the item ``document`` pushes to OA, if it is a to-do or a to-read of a work order (a CompleteTodo, any
    other system's command: nothing), with its kind and the user it goes to (a to-read is withdrawn when its work
    order is closed or cancelled: ``hub.workflow.withdrawn_to_reads``)."""
    if document.tag not in OA_PUSHES:
        return
    work_order_id = document.findtext(f"{{{OA}}}WorkOrderId")
    item_id = document.findtext(f"{{{OA}}}ItemId")
    if work_order_id and item_id:
        kind = TODO if document.tag == f"{{{OA}}}PushTodo" else TO_READ
        record_oa_item(db, work_order_id, item_id, now, kind=kind,
                       user_id=document.findtext(f"{{{OA}}}UserId") or None)
