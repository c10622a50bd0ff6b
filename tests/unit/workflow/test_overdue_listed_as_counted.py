"""``onepoint stats`` said "overdue, not replied 3" and nothing could list those three: QueryWorkOrders had no
overdue, owner or incident filter, and the rule lived in the statistics' query only. QueryWorkOrders' ``Overdue``
now lists by the very condition the statistics count by (``store.overdue``): on a day with cancelled, incident,
held (PENDING) and paused (SUSPENDED) rows both agree, per owner too, and the keyset cursor walks them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import read_figures
from hub.workflow.statistics.figures import StatisticsQuery
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.queries import find_work_orders
from tests.support.workorder_store import T0, make_row
from tests.unit.workflow.audit_kit import NS, query
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 3)  # T0 is 16:00 of it in Shanghai
NOW = T0 + timedelta(hours=6)
PAST, LATER = T0 + timedelta(hours=1), T0 + timedelta(hours=9)
# name: (columns, overdue now)
DAY_ROWS: dict[str, tuple[dict[str, Any], bool]] = {
    "accepted": ({"state": "ACCEPTED", "reply_due": PAST, "owner": "CUSTOMER_SERVICE"}, True),
    "dispatched": ({"state": "DISPATCHED", "reply_due": PAST, "owner": "NOC-PROV"}, True),
    "held": ({"state": "PENDING", "reply_due": PAST, "owner": "NOC-PROV"}, True),  # its limit passed before the pause
    "paused": ({"state": "SUSPENDED", "reply_due": None, "owner": "NOC-PROV"}, False),  # the clock stands still
    "unlinked": ({"state": "AUTO_ANSWERED", "reply_due": PAST}, True),  # a revision unlinked it from its notice
    "linked": ({"state": "AUTO_ANSWERED", "reply_due": PAST, "outage_id": "OUT-1"}, False),
    "cancelled": ({"state": "CANCELLED", "reply_due": PAST, "owner": "NOC-PROV"}, False),
    "replied": ({"state": "REPLIED", "reply_due": PAST, "replied_at": PAST}, False),
    "incident": ({"state": "DISPATCHED", "reply_due": PAST, "ticket_type": "INCIDENT", "owner": "NOC-PROV"}, False),
    "in_time": ({"state": "DISPATCHED", "reply_due": LATER, "owner": "NOC-PROV"}, False),
}


@pytest.fixture
def day(tmp_path: Path) -> Iterator[tuple[WorkOrderStore, dict[str, str]]]:
    store = WorkOrderStore.open(f"sqlite:///{tmp_path / 'workorders.db'}")
    ids: dict[str, str] = {}
    with store.transaction() as tx:
        for n, (name, (columns, _)) in enumerate(DAY_ROWS.items()):
            ids[name] = tx.insert_work_order(make_row(n, **columns))
        incident = ids["incident"]
        ids["child"] = tx.insert_work_order(make_row(20, state="ACCEPTED", reply_due=PAST, incident_id=incident))
    yield store, ids
    store.close()


def test_the_list_by_overdue_finds_what_the_statistics_count(day: tuple[WorkOrderStore, dict[str, str]]) -> None:
    store, ids = day
    expected = {ids[name] for name, (_, overdue) in DAY_ROWS.items() if overdue} | {ids["child"]}
    with store.snapshot() as connection:
        figures = read_figures(connection, StatisticsQuery(DAY, DAY), ZONE, now=NOW)
        listed = find_work_orders(connection, overdue_at=NOW, page_size=100)
        held = find_work_orders(connection, overdue_at=NOW, owner="NOC-PROV", page_size=100)
    assert figures.totals.overdue == listed.total == len(expected) == 5
    assert {row["id"] for row in listed.rows} == expected
    assert {row["id"] for row in held.rows} == {ids["dispatched"], ids["held"]}
    assert {d.department: d.overdue for d in figures.departments}["NOC-PROV"] == held.total == 2


def test_owner_and_incident_filters_and_the_cursor_walk_newest_first(
        day: tuple[WorkOrderStore, dict[str, str]]) -> None:
    store, ids = day
    with store.snapshot() as connection:
        children = find_work_orders(connection, incident_id=ids["incident"])
        owned = find_work_orders(connection, owner="CUSTOMER_SERVICE")
        every = find_work_orders(connection, overdue_at=NOW, page_size=100).rows
        walked: list[str] = []
        after = None
        while True:
            page = find_work_orders(connection, overdue_at=NOW, page_size=2, after=after)
            walked.extend(row["id"] for row in page.rows)
            if len(page.rows) < 2:
                break
            after = (page.rows[-1]["created_at"], page.rows[-1]["id"])
    assert [row["id"] for row in children.rows] == [ids["child"]]  # not the incident itself
    assert [row["id"] for row in owned.rows] == [ids["accepted"]]
    assert walked == [row["id"] for row in every] and len(walked) == 5
    assert [row["created_at"] for row in every] == sorted((row["created_at"] for row in every), reverse=True)


def test_query_work_orders_takes_overdue_owner_and_incident_id(client: WorkerTestClient,
                                                               runtime: WorkflowRuntime) -> None:
    """The XSD's three new elements, in their place of the sequence, parsed and passed to the store; a full page's
    Next continues the same filters."""
    created = [text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml", Msisdn=msisdn)))),
                    "wo:WorkOrderId") for msisdn in ("13800138000", "13800138001", "13800138002")]
    assert all(created)
    assert text(query(client, Overdue="true"), "wo:Total") == "0"  # just created: no limit has passed
    assert text(query(client, Overdue="false"), "wo:Total") == "3"  # false filters nothing
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=2))  # VIP_GOLD: the reply within 6 h
    owner = text(query(client), "wo:WorkOrder/wo:Owner")
    assert owner is not None
    first = query(client, Overdue="true", Owner=owner, PageSize="2")
    cursor = text(first, "wo:Next")
    assert text(first, "wo:Total") == "3" and cursor is not None
    rest = query(client, Overdue="true", Owner=owner, PageSize="2", After=cursor)
    shown = [text(w, "wo:WorkOrderId") for page in (first, rest) for w in page.iterfind("wo:WorkOrder", NS)]
    assert sorted(shown) == sorted(created) and len(shown) == 3  # one second: newest first is by id within it
    assert text(query(client, Overdue="true", Owner="NO-SUCH-DEPT"), "wo:Total") == "0"
    assert text(query(client, IncidentId="WO20261123AAAAAAAA"), "wo:Total") == "0"
