"""The purpose of an SMS-log query: a complaint of the queried subscriber, still open or closed recently.

A subscriber's SMS records may be read for a complaint of that subscriber only. The work order named as the
purpose (``WorkOrderId``) is looked up in the hub's work-order store (``WorkOrderLookup``); the query is refused
(``PurposeRefused``, audited ``denied``) when the hub has no such work order (``purpose-unknown-work-order``),
when the queried number is not its subscriber's (``purpose-other-customer``: the contact number given with a
complaint may be anyone's, a neighbour's, a relative's, and is no subscriber whose records the complaint
concerns), and when the work order or the period does not justify it (``adapters.dsmp.complaint_window``:
``purpose-work-order-cancelled``, ``purpose-work-order-closed``, ``purpose-period-outside-complaint``).

The category is not checked: the taxonomy has no clean line between complaints about SMS and the rest (SMS and
MMS, 03, hold harassing calls; SP services, 04, hold call forwarding; SMS charges sit under billing, 05.01.06; and
an intake agent's category is often a voice fault for an SMS trouble), so a category rule would refuse the queries
complaints need, or let the rest through all the same.

Adapters may not import the work-order store's modules (``adapters-public-workflow``, ARCHITECTURE.md): the
store is given to the adapter by whoever assembles it (``hub.system``), and read here through the one method
it has for this (``parties``, ``StoredWorkOrders``). ``InMemoryWorkOrders`` stands in for it in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from adapters.dsmp.refusals import PurposeRefused
from hub.audit.masking import fold

__all__ = [
    "InMemoryWorkOrders",
    "StoredParties",
    "StoredWorkOrders",
    "WorkOrderLookup",
    "WorkOrderParties",
    "WorkOrderReader",
    "check_subscriber",
    "same_number",
]

CANCELLED = "CANCELLED"
CLOSED = "CLOSED"
_TAKEN = datetime(1970, 1, 1, tzinfo=UTC)  # InMemoryWorkOrders without a creation time (tools): any period's start


@dataclass(frozen=True, slots=True)
class WorkOrderParties:
    """Whose complaint a work order is and when: the subscriber's number, the contact number given with it, its
    state, when the trouble began (as the customer said), when the work order was taken and when it was closed."""

    msisdn: str
    contact_number: str | None = None
    state: str = "ACCEPTED"
    occurred_at: datetime | None = None
    created_at: datetime = _TAKEN
    closed_at: datetime | None = None

    @property
    def complaint_began(self) -> datetime:
        """When the complaint's trouble began: ``OccurredAt``, else when the work order was taken."""
        return self.occurred_at or self.created_at

    @property
    def cancelled(self) -> bool:
        return self.state == CANCELLED

    @property
    def closed(self) -> bool:
        return self.state == CLOSED

    def of_subscriber(self, msisdn: str) -> bool:
        """Whether ``msisdn`` is the complaint's subscriber (never its contact number)."""
        return same_number(self.msisdn, msisdn)


class WorkOrderLookup(Protocol):
    """Who a work order concerns, by its id; None when the hub has no such work order."""

    def parties(self, work_order_id: str) -> WorkOrderParties | None: ...


class StoredParties(Protocol):
    """What the work-order store reads (``hub.workflow.store.parties.WorkOrderParties``, a named tuple)."""

    @property
    def msisdn(self) -> str: ...
    @property
    def contact_number(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def occurred_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def closed_at(self) -> datetime | None: ...


class WorkOrderReader(Protocol):
    """What ``StoredWorkOrders`` needs of the work-order store (``hub.workflow.store.WorkOrderStore``)."""

    def parties(self, work_order_id: str) -> StoredParties | None: ...

    def close(self) -> None: ...


class StoredWorkOrders:
    """``WorkOrderLookup`` over the hub's work-order store (whoever opened the store closes it): one indexed read
    of the numbers, the state and the times, not the work order with its history."""

    def __init__(self, store: WorkOrderReader) -> None:
        self.store = store

    def parties(self, work_order_id: str) -> WorkOrderParties | None:
        found = self.store.parties(work_order_id)
        if found is None:
            return None
        return WorkOrderParties(found.msisdn, found.contact_number, found.state, found.occurred_at,
                                found.created_at, found.closed_at)


class InMemoryWorkOrders:
    """``WorkOrderLookup`` over a mapping of work-order id to ``WorkOrderParties`` (tests, tools)."""

    def __init__(self, orders: Mapping[str, WorkOrderParties] | None = None) -> None:
        self.orders: dict[str, WorkOrderParties] = dict(orders or {})

    def add(self, work_order_id: str, msisdn: str, contact_number: str | None = None, *, state: str = "ACCEPTED",
            occurred_at: datetime | None = None, created_at: datetime = _TAKEN,
            closed_at: datetime | None = None) -> None:
        self.orders[work_order_id] = WorkOrderParties(msisdn, contact_number, state, occurred_at, created_at,
                                                      closed_at)

    def parties(self, work_order_id: str) -> WorkOrderParties | None:
        return self.orders.get(work_order_id)


def _digits(number: str) -> str:
    digits = "".join(ch for ch in fold(number) if ch.isascii() and ch.isdigit())
    for prefix in ("0086", "86"):  # the country code of a mobile number written in full
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


def same_number(one: str, other: str) -> bool:
    """Whether two numbers are one, however written (``+86 135-0110-5566`` is ``13501105566``)."""
    first = _digits(one)
    return bool(first) and first == _digits(other)


def check_subscriber(work_orders: WorkOrderLookup, work_order_id: str, msisdn: str) -> WorkOrderParties:
    """The parties of work order ``work_order_id``; ``PurposeRefused`` unless it exists and ``msisdn`` is its
    subscriber's number."""
    parties = work_orders.parties(work_order_id)
    if parties is None:
        raise PurposeRefused.unknown(work_order_id)
    if not parties.of_subscriber(msisdn):
        raise PurposeRefused.other_customer(work_order_id, msisdn)
    return parties
