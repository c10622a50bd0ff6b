"""The store's reads: one work order with its history, QueryWorkOrders' filtered pages, a customer's recent ones.

Each filter has its index (see ``schema``; a group customer's members: ``ix_work_orders_group_created``, 0020); the
category filter is a prefix of whole levels (``01.02`` matches ``01.02`` and ``01.02.*``), written for each
dialect's index by ``dialect.category_under``; alone (without a number, area, tier or group) its page is each
code's newest merged (``category_pages``).

A customer's work orders (by number: CreateWorkOrder's list, the repeat check, QueryWorkOrders' and ``onepoint
workorders list``'s ``msisdn``) are the complaints: a mass complaint's incident (ticket type INCIDENT) carries the
first complainant's number as its reporting number, but it is the hub's fault report, not that customer's own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, literal_column, or_, select
from sqlalchemy.engine import Connection

from hub.workflow.store.category_pages import MAX_MERGED_CODES, category_codes_under, newest_under_category
from hub.workflow.store.dialect import category_under
from hub.workflow.store.overdue import overdue_reply
from hub.workflow.store.prepared import Prepared
from hub.workflow.store.records import HistoryEntry, WorkOrderPage, WorkOrderView
from hub.workflow.store.schema import deadlines, work_order_history, work_orders

__all__ = ["MAX_PAGE_SIZE", "complained_of_before", "customer_work_orders", "find_work_orders", "load_work_order",
           "new_work_order_view", "work_orders_in_state", "work_orders_of"]

MAX_PAGE_SIZE = 500
_wo = work_orders.c

# Built once: building a select per call cost more Python than running it (bench/README.md, the workflow section).
_WORK_ORDER = select(work_orders).where(_wo.id == bindparam("wid"))
_WORK_ORDER_FOR_UPDATE = _WORK_ORDER.with_for_update()  # PostgreSQL locks the row; SQLite's write lock is held
_HISTORY = (select(work_order_history).where(work_order_history.c.work_order_id == bindparam("wid"))
            .order_by(work_order_history.c.seq))
_DEADLINES = (select(deadlines).where(deadlines.c.work_order_id == bindparam("wid"))
              .order_by(deadlines.c.due_at, deadlines.c.id))
_CUSTOMER_ORDER_COLUMNS = ("id", "state", "channel", "category_code", "created_at")
_FINAL_STATES = ("CLOSED", "CANCELLED")  # hub.workflow.lifecycle.FINAL (the store does not import the lifecycle)
_INCIDENT = "INCIDENT"
_COMPLAINTS = _wo.ticket_type != literal_column(f"'{_INCIDENT}'")  # a customer's own: no incident (see above)
_FINISHED = _wo.state.in_([literal_column(f"'{state}'") for state in _FINAL_STATES])  # no expanding bind
_CUSTOMER_ORDERS = Prepared(
    select(*(_wo[name] for name in _CUSTOMER_ORDER_COLUMNS))
    .where(_wo.msisdn == bindparam("msisdn"), _COMPLAINTS, or_(_wo.created_at >= bindparam("since"), ~_FINISHED))
    .order_by(case((_FINISHED, 1), else_=0), _wo.created_at.desc(), _wo.id.desc())  # the open ones first
    .limit(bindparam("limit")))
_HELD_STATES = ("DISPATCHED", "IN_PROGRESS", "PENDING", "ESCALATED")  # lifecycle.REMINDABLE: a department has it
_HELD = _wo.state.in_([literal_column(f"'{state}'") for state in _HELD_STATES])
# a mistaken entry: cancelled before any dispatch (every DISPATCH records its system; before 0007 its fields)
_MISTAKEN = and_(_wo.state == literal_column("'CANCELLED'"), _wo.dispatch_system.is_(None),
                 _wo.dispatch_fields.is_(None))
_REPEATED_COLUMNS = ("id", "state", "owner", "area_code", "incident_id", "dispatch_fields")
# a repeat held for the open one it repeats (hub.workflow.held_repeats): a later call repeats that one, not this
_HELD_REPEAT = and_(_wo.state == literal_column("'SUSPENDED'"), _wo.repeat_of.is_not(None))
_REPEATED = Prepared(
    select(*(_wo[name] for name in _REPEATED_COLUMNS))
    .where(_wo.msisdn == bindparam("msisdn"), or_(_wo.created_at >= bindparam("since"), ~_FINISHED),
           _wo.created_at <= bindparam("until"), _COMPLAINTS, ~_MISTAKEN,
           func.substr(_wo.category_code, 1, bindparam("length")) == bindparam("phenomenon"))
    # one a department holds first, a held repeat last
    .order_by(case((_HELD, 0), (_HELD_REPEAT, 2), else_=1), _wo.created_at.desc(), _wo.id.desc())
    .limit(1))
_RECENT = (select(work_orders)
           .where(_wo.msisdn == bindparam("msisdn"), _wo.created_at >= bindparam("since"), _COMPLAINTS)
           .order_by(_wo.created_at.desc(), _wo.id.desc()).limit(bindparam("limit")))


def load_work_order(connection: Connection, work_order_id: str, *, for_update: bool = False) -> WorkOrderView | None:
    """The work order with its history and deadlines; ``for_update``: its row locked until the transaction ends
    (a change read from it cannot be overtaken by another process's change of the same work order)."""
    params = {"wid": work_order_id}
    row = connection.execute(_WORK_ORDER_FOR_UPDATE if for_update else _WORK_ORDER, params).mappings().first()
    if row is None:
        return None
    history = connection.execute(_HISTORY, params).mappings()
    due = connection.execute(_DEADLINES, params).mappings()
    return WorkOrderView(dict(row), [dict(h) for h in history], [dict(d) for d in due])


_DEFAULTS = {"escalation_level": 0, "paused_seconds": 0, "invalid_dispatches": 0, "version": 1,
             "ticket_type": "COMPLAINT"}
_NEW_ROW = {column.name: _DEFAULTS.get(column.name) for column in work_orders.c}


def new_work_order_view(row: Mapping[str, Any], history: Sequence[HistoryEntry]) -> WorkOrderView:
    """What ``load_work_order`` reads back for a work order just inserted (``row`` with its id, ``history``, no
    deadline fired yet) in the same transaction, without reading it: the other columns at their defaults, times in
    UTC as the store gives them. The dispatch at intake acts on it right after the creation."""
    values = {name: value.astimezone(UTC) if isinstance(value, datetime) else value for name, value in row.items()}
    return WorkOrderView({**_NEW_ROW, **values}, [entry.columns() for entry in history], [])


def find_work_orders(
    connection: Connection,
    *,
    msisdn: str | None = None,
    states: Collection[str] | None = None,
    category_prefix: str | None = None,
    area: str | None = None,
    tier: str | None = None,
    tiers: Collection[str] | None = None,
    group_id: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    overdue_at: datetime | None = None,
    owner: str | None = None,
    incident_id: str | None = None,
    page: int = 1,
    page_size: int = 20,
    after: tuple[datetime, str] | None = None,
    scope: ColumnElement[bool] | None = None,
) -> WorkOrderPage:
    """Work orders matching every given filter, newest first; ``created_from`` and ``created_to`` both inclusive
    (c:TimeRange); pages count from 1; by ``msisdn``, the customer's complaints (no incident). ``overdue_at``: only
    the complaints overdue, not replied at that moment (``overdue.overdue_reply``, the rule ``onepoint stats``
    counts by); ``owner``: those the department (the owner column) holds; ``incident_id``: an incident's children
    (the work orders linked to it, not the incident itself). ``after`` (a work
    order's created_at and id): keyset paging, the page is the ``page_size`` rows after that one in this order
    (``page`` is not used), so rows created or leaving the filter between two pages neither repeat nor push others
    off; ``total`` still counts every row the filters match. ``scope``: a condition every row listed and counted
    must meet besides (the work orders the asking system may read: ``hub.workflow.work_order_readers``)."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page {page} of size {page_size}: pages count from 1, sizes 1..{MAX_PAGE_SIZE}")
    where: list[ColumnElement[bool]] = [] if scope is None else [scope]
    other_index = (msisdn is not None or area is not None or tier is not None or tiers is not None
                   or group_id is not None or incident_id is not None or owner is not None)
    if msisdn is not None:
        where.extend((_wo.msisdn == msisdn, _COMPLAINTS))
    if states is not None:
        where.append(_wo.state.in_(list(states)))
    if area is not None:
        where.append(_wo.area_code == area)
    if tier is not None:
        where.append(_wo.tier == tier)
    if tiers is not None:
        where.append(_wo.tier.in_(list(tiers)))
    if group_id is not None:  # the members of one group customer, whatever tier won (migration 0020)
        where.append(_wo.group_id == group_id)
    if created_from is not None:
        where.append(_wo.created_at >= created_from)
    if created_to is not None:
        where.append(_wo.created_at <= created_to)
    if overdue_at is not None:
        where.append(overdue_reply(overdue_at))
    if owner is not None:
        where.append(_wo.owner == owner)
    if incident_id is not None:  # ix_work_orders_incident
        where.append(_wo.incident_id == incident_id)
    prefix = None if category_prefix is None else category_prefix.rstrip(".")
    by_category = [] if prefix is None else [category_under(_wo.category_code, prefix, connection.dialect.name)]
    total = connection.execute(select(func.count()).select_from(work_orders).where(*where, *by_category)).scalar_one()
    offset = 0 if after is not None else (page - 1) * page_size
    if total <= offset:  # nothing matches, or the page is past the last
        return WorkOrderPage(int(total), [])
    if prefix is not None and not other_index:  # no index of another filter: each code's walk, merged
        codes = category_codes_under(connection, prefix)
        if len(codes) <= MAX_MERGED_CODES:
            return WorkOrderPage(int(total), newest_under_category(connection, codes, where, page_size=page_size,
                                                                   offset=offset, after=after))
    where.extend(by_category)
    if after is not None:
        at, work_order_id = after
        where.append(or_(_wo.created_at < at, and_(_wo.created_at == at, _wo.id < work_order_id)))
    found = connection.execute(
        select(work_orders).where(*where).order_by(_wo.created_at.desc(), _wo.id.desc())
        .limit(page_size).offset(offset)
    ).mappings()
    return WorkOrderPage(int(total), [dict(r) for r in found])


def work_orders_of(connection: Connection, msisdn: str, *, since: datetime | None = None,
                   states: Collection[str] | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """A customer's work orders from every channel (no incident), newest first: created since ``since`` and/or in
    ``states``."""
    if since is not None and states is None:
        found = connection.execute(_RECENT, {"msisdn": msisdn, "since": since, "limit": limit}).mappings()
        return [dict(r) for r in found]
    query = select(work_orders).where(_wo.msisdn == msisdn, _COMPLAINTS)
    if since is not None:
        query = query.where(_wo.created_at >= since)
    if states is not None:
        query = query.where(_wo.state.in_(list(states)))
    rows = connection.execute(query.order_by(_wo.created_at.desc(), _wo.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def customer_work_orders(connection: Connection, msisdn: str, *, since: datetime, limit: int) -> list[dict[str, Any]]:
    """A new work order's answer's list: the customer's work orders from every channel (no incident) that are
    still open (whatever their age) or were created since ``since``, with only the columns they show (id, state,
    channel, category_code, created_at). At most ``limit``: the open ones first (an open complaint is never crowded
    out by newer closed or cancelled ones), then the newest finished ones; listed newest first."""
    found = _CUSTOMER_ORDERS.all(connection, {"msisdn": msisdn, "since": since, "limit": limit})
    rows = [dict(zip(_CUSTOMER_ORDER_COLUMNS, row, strict=True)) for row in found]
    return sorted(rows, key=lambda row: (row["created_at"], row["id"]), reverse=True)


def complained_of_before(connection: Connection, msisdn: str, phenomenon: str, *, since: datetime,
                         until: datetime) -> dict[str, Any] | None:
    """The repeat check: the customer's earlier complaint of ``phenomenon`` (a category code's prefix: the first
    three levels), or None. Earlier: created up to ``until`` (the new one's beginning: one created after it, by a
    worker that got to it first, is no earlier complaint; an incident is none) and either from ``since`` on or still
    open, whatever its age (as ``customer_work_orders`` lists it), however many others came in between. A work order
    cancelled before any dispatch is a mistaken entry, not a complaint the customer repeats. Of several, one a
    department holds (DISPATCHED, IN_PROGRESS, PENDING, ESCALATED) first, a repeat held for another
    (``repeat_of``, SUSPENDED) last, else the newest: its ``id``, ``state``, ``owner``, ``area_code``,
    ``incident_id`` and ``dispatch_fields`` (JSON text). One statement on ``ix_work_orders_msisdn_created`` (the
    number's rows)."""
    found = _REPEATED.all(connection, {"msisdn": msisdn, "since": since, "until": until,
                                       "length": len(phenomenon), "phenomenon": phenomenon})
    return dict(zip(_REPEATED_COLUMNS, found[0], strict=True)) if found else None


def work_orders_in_state(connection: Connection, state: str, *, after: str | None, limit: int) -> list[dict[str, Any]]:
    """The next ``limit`` work orders in ``state`` by id after ``after``: a range of ``ix_work_orders_state_id``,
    so a whole pass costs the same per chunk however far it has gone (no OFFSET)."""
    query = select(work_orders).where(_wo.state == state)
    if after is not None:
        query = query.where(_wo.id > after)
    return [dict(r) for r in connection.execute(query.order_by(_wo.id).limit(limit)).mappings()]
