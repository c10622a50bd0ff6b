"""The purpose of an SMS-log query: the work order it names must exist and concern the queried number.

A subscriber's SMS records may be read for a complaint of that subscriber only. The work order named as the
purpose (``WorkOrderId``) is looked up in the hub's work-order store (``WorkOrderLookup``); the query is refused
(``PurposeRefused``, audited ``denied``) when the hub has no such work order (``purpose-unknown-work-order``) or
when neither its number nor its contact number is the queried one (``purpose-other-customer``).

Adapters may not import the work-order store's modules (``adapters-public-workflow``, ARCHITECTURE.md): the
store is given to the adapter by whoever assembles it (``hub.system``), and read here through the one method
it has for this (``get_work_order``, ``StoredWorkOrders``). ``InMemoryWorkOrders`` stands in for it in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from adapters.dsmp.refusals import PurposeRefused
from hub.audit.masking import fold

__all__ = ["InMemoryWorkOrders", "StoredWorkOrders", "WorkOrderLookup", "WorkOrderParties", "WorkOrderReader",
           "check_purpose", "same_number"]


@dataclass(frozen=True, slots=True)
class WorkOrderParties:
    """Whose complaint a work order is: the subscriber's number and the contact number given with it."""

    msisdn: str
    contact_number: str | None = None

    def concern(self, msisdn: str) -> bool:
        return any(same_number(number, msisdn) for number in (self.msisdn, self.contact_number) if number)


class WorkOrderLookup(Protocol):
    """Who a work order concerns, by its id; None when the hub has no such work order."""

    def parties(self, work_order_id: str) -> WorkOrderParties | None: ...


class WorkOrderReader(Protocol):
    """What ``StoredWorkOrders`` needs of the work-order store (``hub.workflow.store.WorkOrderStore``)."""

    def parties(self, work_order_id: str) -> tuple[str, str | None] | None: ...

    def close(self) -> None: ...


class StoredWorkOrders:
    """``WorkOrderLookup`` over the hub's work-order store (whoever opened the store closes it): one indexed read
    of the two numbers, not the work order with its history."""

    def __init__(self, store: WorkOrderReader) -> None:
        self.store = store

    def parties(self, work_order_id: str) -> WorkOrderParties | None:
        found = self.store.parties(work_order_id)
        return None if found is None else WorkOrderParties(*found)


class InMemoryWorkOrders:
    """``WorkOrderLookup`` over a mapping of work-order id to ``WorkOrderParties`` (tests, tools)."""

    def __init__(self, orders: Mapping[str, WorkOrderParties] | None = None) -> None:
        self.orders: dict[str, WorkOrderParties] = dict(orders or {})

    def add(self, work_order_id: str, msisdn: str, contact_number: str | None = None) -> None:
        self.orders[work_order_id] = WorkOrderParties(msisdn, contact_number)

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


def check_purpose(work_orders: WorkOrderLookup, work_order_id: str, msisdn: str) -> None:
    """``PurposeRefused`` unless work order ``work_order_id`` exists and concerns ``msisdn``."""
    parties = work_orders.parties(work_order_id)
    if parties is None:
        raise PurposeRefused.unknown(work_order_id)
    if not parties.concern(msisdn):
        raise PurposeRefused.other_customer(work_order_id, msisdn)
