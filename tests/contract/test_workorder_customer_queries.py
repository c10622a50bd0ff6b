"""A customer's work orders, on SQLite and PostgreSQL: CreateWorkOrder's list (``customer_work_orders``) keeps the
customer's open ones first, so newer finished ones never crowd an open one out, and lists them newest first; a mass
complaint's incident (ticket type INCIDENT), which carries the first complainant's number, is none of that
customer's own: not listed, not found by number (QueryWorkOrders' Msisdn), no repeat."""

from __future__ import annotations

from datetime import timedelta

from hub.workflow.held_repeats import held_for
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.queries import complained_of_before, customer_work_orders, work_orders_of
from tests.support.workorder_store import T0, make_row

NUMBER = "13800138000"


def insert(store: WorkOrderStore, minutes: int, **fields: object) -> str:
    with store.transaction() as tx:
        return tx.insert_work_order(make_row(msisdn=NUMBER, created_at=T0 + timedelta(minutes=minutes), **fields))


def test_an_open_work_order_is_listed_however_many_newer_ones_were_finished(workorder_store: WorkOrderStore) -> None:
    old_open = insert(workorder_store, 0, state="IN_PROGRESS")
    cancelled = [insert(workorder_store, 8 * 24 * 60 + n, state="CANCELLED") for n in range(1, 25)]
    newest_open = insert(workorder_store, 9 * 24 * 60, state="ACCEPTED")
    now = T0 + timedelta(days=9, minutes=1)
    with workorder_store.engine.connect() as connection:
        listed = customer_work_orders(connection, NUMBER, since=now - timedelta(days=7), limit=20)
    ids = [row["id"] for row in listed]
    assert len(ids) == 20 and old_open in ids and newest_open in ids
    assert ids[1:19] == list(reversed(cancelled))[:18]  # then the newest finished ones
    assert [row["created_at"] for row in listed] == sorted((row["created_at"] for row in listed), reverse=True)


def test_an_incident_is_none_of_the_first_complainants_own(workorder_store: WorkOrderStore) -> None:
    complaint = insert(workorder_store, 0, state="ACCEPTED")
    incident = insert(workorder_store, 10, state="DISPATCHED", ticket_type="INCIDENT", category_code="01.02.04")
    since = T0 - timedelta(days=1)
    with workorder_store.engine.connect() as connection:
        listed = [row["id"] for row in customer_work_orders(connection, NUMBER, since=since, limit=20)]
        recent = [row["id"] for row in work_orders_of(connection, NUMBER, since=since)]
        repeat = complained_of_before(connection, NUMBER, "01.02.04", since=since, until=T0 + timedelta(days=1))
    found = workorder_store.query(msisdn=NUMBER)
    assert listed == recent == [complaint] and not repeat
    assert (found.total, [row["id"] for row in found.rows]) == (1, [complaint])
    assert {row["id"] for row in workorder_store.query().rows} == {complaint, incident}  # still found otherwise


def test_the_repeat_check_takes_an_open_one_of_any_age_a_held_one_first_and_no_mistaken_entry(
        workorder_store: WorkOrderStore) -> None:
    held = insert(workorder_store, 0, state="DISPATCHED", owner="NOC", dispatch_system="NSP")
    insert(workorder_store, 10 * 24 * 60, state="REPLIED")  # newer, no longer with a department
    mistaken = insert(workorder_store, 10 * 24 * 60 + 5, state="CANCELLED")  # never dispatched
    now = T0 + timedelta(days=10, minutes=10)
    with workorder_store.engine.connect() as connection:
        found = complained_of_before(connection, NUMBER, "01.02.03", since=now - timedelta(days=7), until=now)
        recent = complained_of_before(connection, NUMBER, "01.02.03", since=now - timedelta(minutes=6), until=now)
    assert found == {"id": held, "state": "DISPATCHED", "owner": "NOC", "area_code": "0755", "incident_id": None,
                     "dispatch_fields": None}
    assert recent is not None and recent["id"] == held  # the mistaken entry, the newest, is not taken
    with workorder_store.transaction() as tx:
        tx.insert_work_order(make_row(msisdn="13900139000", created_at=now, state="CANCELLED"))
    with workorder_store.engine.connect() as connection:
        assert complained_of_before(connection, "13900139000", "01.02.03", since=T0, until=now) is None
    assert mistaken


def test_a_repeat_held_for_an_open_one_is_taken_last_and_found_by_its_link(workorder_store: WorkOrderStore) -> None:
    """Migration 0028: ``repeat_of`` links a held repeat (SUSPENDED) to the open one; the repeat check takes the
    open one (PENDING: not SUSPENDED) before the newer held one, and ``held_for`` finds it by the index."""
    first = insert(workorder_store, 0, state="PENDING", owner="NOC", incident_id="WO-INCIDENT")
    held = insert(workorder_store, 60, state="SUSPENDED", repeat_of=first)
    now = T0 + timedelta(hours=2)
    with workorder_store.engine.connect() as connection:
        found = complained_of_before(connection, NUMBER, "01.02.03", since=now - timedelta(days=7), until=now)
    assert found is not None and (found["id"], found["incident_id"]) == (first, "WO-INCIDENT")
    with workorder_store.transaction() as tx:
        assert held_for(tx, first) == [held] and held_for(tx, held) == []
