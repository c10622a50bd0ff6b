"""Work-order store contract: the same expectations on SQLite and PostgreSQL (see tests/support/workorder_store.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.exc import StatementError

from hub.workflow.store import (
    WORK_ORDER_ID,
    HistoryEntry,
    NestedTransactionError,
    NoTransactionError,
    StaleWorkOrderError,
    UnknownWorkOrderError,
    WorkOrderStore,
)
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import current_revision, head_revision, upgrade
from hub.workflow.store.schema import VERSION_TABLE, metadata, work_orders
from tests.support.workorder_store import T0, created, make_row


class Boom(Exception):
    pass


def test_the_migrations_create_exactly_the_schema(workorder_store: WorkOrderStore) -> None:
    with workorder_store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, metadata) == []
    assert current_revision(workorder_store.engine) == head_revision()


def test_migrating_an_existing_database_again_changes_nothing(
    open_workorder_store: Callable[..., WorkOrderStore],
) -> None:
    first = open_workorder_store()
    with first.transaction() as tx:
        work_order_id = tx.insert_work_order(make_row())
    upgrade(first.engine)  # explicitly, and once more by opening a second store on the same database
    second = open_workorder_store()
    assert current_revision(second.engine) == head_revision()
    found = second.get_work_order(work_order_id)
    assert found is not None
    assert found.row["msisdn"] == make_row()["msisdn"]


def test_a_work_order_keeps_its_whole_history(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction(message_id="m-create") as tx:
        work_order_id = tx.insert_work_order(make_row(description="no signal"), history=[created(T0)])
    later = T0 + timedelta(minutes=5)
    with workorder_store.transaction(message_id="m-accept") as tx:
        row = tx.get(work_order_id)
        assert row is not None
        version = tx.update(work_order_id, {"state": "ACCEPTED", "owner": "CS", "updated_at": later}, history=[
            HistoryEntry(at=later, kind="state", actor="agent-9", system="CS", action="ACCEPT",
                         from_state="NEW", to_state="ACCEPTED"),
            HistoryEntry(at=later, kind="field", actor="agent-9", system="CS", field="owner",
                         old_value=None, new_value="CS", note="taken", message_id="m-other"),
        ], expected_version=row["version"])
    assert version == 2
    found = workorder_store.get_work_order(work_order_id)
    assert found is not None
    assert WORK_ORDER_ID.match(work_order_id)
    assert work_order_id.startswith("WO20261203")
    assert (found.row["state"], found.row["owner"], found.row["version"]) == ("ACCEPTED", "CS", 2)
    assert found.row["created_at"] == T0
    assert found.row["updated_at"] == later
    assert [(h["seq"], h["kind"], h["action"], h["field"], h["message_id"]) for h in found.history] == [
        (1, "state", "CREATE", None, "m-create"),
        (2, "state", "ACCEPT", None, "m-accept"),
        (3, "field", None, "owner", "m-other"),
    ]
    assert found.history[1]["from_state"] == "NEW"
    assert found.history[2]["note"] == "taken"
    assert found.history[1]["at"] == later


def test_generated_ids_are_unique_and_well_formed(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        ids = [tx.insert_work_order(make_row(n)) for n in range(60)]
    assert len(set(ids)) == 60
    assert all(WORK_ORDER_ID.match(i) for i in ids)


def test_times_come_back_as_the_same_instants_in_utc(workorder_store: WorkOrderStore) -> None:
    beijing = timezone(timedelta(hours=8))
    local = datetime(2026, 12, 3, 16, 30, 15, 250_000, tzinfo=beijing)  # 08:30:15.25 UTC
    with workorder_store.transaction() as tx:
        work_order_id = tx.insert_work_order(make_row(created_at=local, occurred_at=T0))
    found = workorder_store.get_work_order(work_order_id)
    assert found is not None
    assert found.row["created_at"] == local
    assert found.row["created_at"].utcoffset() == timedelta(0)
    assert workorder_store.query(created_from=local, created_to=local + timedelta(microseconds=1)).total == 1
    with pytest.raises(StatementError, match="naive datetime"), workorder_store.transaction() as tx:
        tx.insert_work_order(make_row(occurred_at=datetime(2026, 12, 3, 8, 0)))


def test_a_stale_or_unknown_work_order_is_refused(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        work_order_id = tx.insert_work_order(make_row())
        tx.update(work_order_id, {"priority": 1})
    with pytest.raises(StaleWorkOrderError), workorder_store.transaction() as tx:
        tx.update(work_order_id, {"priority": 2}, expected_version=1)
    with pytest.raises(UnknownWorkOrderError), workorder_store.transaction() as tx:
        tx.update("WO20261203ZZZZZZZZ", {"priority": 2})
    found = workorder_store.get_work_order(work_order_id)
    assert found is not None
    assert (found.row["priority"], found.row["version"]) == (1, 2)


def test_an_exception_writes_nothing_not_even_the_processed_record(workorder_store: WorkOrderStore) -> None:
    written: list[str] = []

    def effect_then_failure() -> None:
        with workorder_store.transaction(message_id="m-1") as tx:
            work_order_id = tx.insert_work_order(make_row(), history=[created(T0)])
            tx.replace_deadlines(work_order_id, [("reply", T0 + timedelta(hours=4))])
            tx.add_event(work_order_id, "created", "{}", at=T0)
            written.append(work_order_id)
            raise Boom

    with pytest.raises(Boom):
        effect_then_failure()
    [work_order_id] = written
    assert workorder_store.query().total == 0
    assert workorder_store.get_work_order(work_order_id) is None
    with workorder_store.claim_due_deadlines(T0 + timedelta(days=1)) as due:
        assert due.deadlines == []
    with workorder_store.transaction(message_id="m-1") as tx:  # the message is processed afresh
        assert not tx.duplicate
        tx.insert_work_order(make_row())
    assert workorder_store.query().total == 1


def test_a_duplicate_message_id_has_no_second_effect(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction(message_id="m-dup") as tx:
        tx.insert_work_order(make_row())
        tx.complete("created", reply=b"<answer/>")
    with workorder_store.transaction(message_id="m-dup") as again:
        assert again.duplicate
        assert (again.outcome, again.reply) == ("created", b"<answer/>")
        with pytest.raises(RuntimeError, match="already processed"):
            again.insert_work_order(make_row(1))
    assert workorder_store.query().total == 1


def test_the_current_transaction_is_the_open_block(workorder_store: WorkOrderStore) -> None:
    with pytest.raises(NoTransactionError):
        workorder_store.current_transaction()
    with workorder_store.transaction(message_id="m-ctx") as tx:
        assert workorder_store.current_transaction() is tx
        with pytest.raises(NestedTransactionError):
            workorder_store.begin("m-inner")
    with workorder_store.claim_due_deadlines(T0) as due:
        assert workorder_store.current_transaction() is due.tx
    with pytest.raises(NoTransactionError):
        workorder_store.current_transaction()
    with workorder_store.transaction(message_id="m-ctx") as again:  # the first one committed
        assert again.duplicate


def test_query_filters_and_pages(workorder_store: WorkOrderStore) -> None:
    categories = ["01.02.03", "01.02.03.004", "01.02.04", "01.12.03", "02.01.01"]
    states = ["NEW", "ACCEPTED", "CLOSED"]
    tiers = ["VIP_GOLD", "PREPAID"]
    rows = [make_row(n, msisdn=f"1390000000{n % 4}", category_code=categories[n % 5], state=states[n % 3],
                     tier=tiers[n % 2], area_code="0755" if n % 7 else "020") for n in range(42)]
    with workorder_store.transaction() as tx:
        ids = {tx.insert_work_order(row): row for row in rows}

    def expected(keep: Callable[[dict[str, object]], bool]) -> list[str]:
        chosen = [(row["created_at"], i) for i, row in ids.items() if keep(row)]
        return [i for _, i in sorted(chosen, reverse=True)]

    def found(**filters: object) -> list[str]:
        page = workorder_store.query(page_size=500, **filters)
        assert page.total == len(page.rows)
        return [row["id"] for row in page.rows]

    assert found() == expected(lambda r: True)
    assert found(msisdn="13900000001") == expected(lambda r: r["msisdn"] == "13900000001")
    assert found(states=["NEW", "CLOSED"]) == expected(lambda r: r["state"] in ("NEW", "CLOSED"))
    assert found(category_prefix="01.02") == expected(lambda r: str(r["category_code"]).startswith("01.02."))
    assert found(category_prefix="01.02.03") == expected(lambda r: str(r["category_code"]).startswith("01.02.03"))
    assert found(category_prefix="01.1") == []  # a prefix is whole levels: 01.1 is not 01.12
    assert found(area="020") == expected(lambda r: r["area_code"] == "020")
    assert found(tier="VIP_GOLD", states=["NEW"]) == expected(lambda r: r["tier"] == "VIP_GOLD" and r["state"] == "NEW")
    since, until = T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)
    assert found(created_from=since, created_to=until) == expected(lambda r: since <= r["created_at"] <= until)

    everything = expected(lambda r: True)
    pages = [workorder_store.query(page=p, page_size=10) for p in range(1, 6)]
    assert [page.total for page in pages] == [42] * 5
    assert [row["id"] for page in pages for row in page.rows] == everything
    assert [len(page.rows) for page in pages] == [10, 10, 10, 10, 2]
    with pytest.raises(ValueError, match="pages count from 1"):
        workorder_store.query(page=0)


def test_pages_by_category_prefix_merge_each_codes_newest(workorder_store: WorkOrderStore) -> None:
    """A prefix alone reads each code's newest off its index and merges them (store/category_pages): the same
    pages, totals and keyset walks as sorting every match, ties in time broken by id, other filters applied."""
    categories = ["01", "01.02.03", "01.02.03.004", "01.02.04", "01.021.01", "01.12.03", "02.01.01"]
    states = ["NEW", "ACCEPTED", "CLOSED"]
    # every third pair shares its creation time: ties are ordered by id, across codes as within one
    rows = [make_row(n - n % 3, category_code=categories[n % 7], state=states[n % 3]) for n in range(90)]
    with workorder_store.transaction() as tx:
        ids = {tx.insert_work_order(row): row for row in rows}

    def expected(keep: Callable[[dict[str, object]], bool]) -> list[str]:
        return [i for _, i in sorted(((row["created_at"], i) for i, row in ids.items() if keep(row)), reverse=True)]

    def under(prefix: str) -> Callable[[dict[str, object]], bool]:
        return lambda row: row["category_code"] == prefix or str(row["category_code"]).startswith(prefix + ".")

    def walk(**filters: object) -> list[str]:
        seen: list[str] = []
        after = None
        while True:
            page = workorder_store.query(page_size=7, after=after, **filters)
            seen += [row["id"] for row in page.rows]
            if len(page.rows) < 7:
                return seen
            after = (page.rows[-1]["created_at"], page.rows[-1]["id"])

    for prefix in ("01", "01.02", "01.02.03", "01.021", "02", "03"):
        everything = expected(under(prefix))
        pages = [workorder_store.query(category_prefix=prefix, page=p, page_size=4) for p in range(1, 30)]
        assert {page.total for page in pages} == {len(everything)}, prefix
        assert [row["id"] for page in pages for row in page.rows] == everything, prefix
        assert walk(category_prefix=prefix) == everything, prefix
    assert workorder_store.query(category_prefix="01.1").total == 0  # whole levels: not 01.12
    with_state = expected(lambda row: under("01")(row) and row["state"] in ("NEW", "CLOSED"))
    assert walk(category_prefix="01", states=["NEW", "CLOSED"]) == with_state
    since, until = T0 + timedelta(minutes=30), T0 + timedelta(minutes=60)
    in_window = expected(lambda row: under("01.02")(row) and since <= row["created_at"] <= until)
    assert walk(category_prefix="01.02", created_from=since, created_to=until) == in_window
    page = workorder_store.query(category_prefix="01", page=2, page_size=50)
    assert [row["id"] for row in page.rows] == expected(under("01"))[50:]
    found = workorder_store.query(category_prefix="01.02.04", page_size=1).rows[0]
    assert found == workorder_store.query(page_size=1, after=None, msisdn=found["msisdn"],
                                          created_from=found["created_at"], created_to=found["created_at"],
                                          category_prefix="01.02.04").rows[0]  # whole rows, as the other paths


def test_a_read_sees_one_moment_whatever_commits_between_its_statements(
    open_workorder_store: Callable[..., WorkOrderStore],
) -> None:
    """QueryWorkOrder reads row, history and deadlines, QueryWorkOrders its Total and its rows, in several
    statements: another process's action committing between them must not show (on PostgreSQL each READ COMMITTED
    statement saw its own moment: a State beside a history ending in another state, a Total beside more rows)."""
    reader, writer = open_workorder_store(), open_workorder_store()
    with writer.transaction() as tx:
        work_order_id = tx.insert_work_order(make_row(state="ACCEPTED"), history=[created(T0)])
    later = T0 + timedelta(minutes=1)
    armed = {"history": True, "rows": False}

    def meanwhile(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if armed["history"] and "FROM work_order_history" in statement:
            armed["history"] = False
            with writer.transaction() as tx:
                tx.update(work_order_id, {"state": "DISPATCHED", "updated_at": later}, history=[
                    HistoryEntry(at=later, kind="state", actor="agent-1", system="CS", action="DISPATCH",
                                 from_state="ACCEPTED", to_state="DISPATCHED")])
        if armed["rows"] and statement.lstrip().startswith("SELECT work_orders.id") and "LIMIT" in statement:
            armed["rows"] = False
            with writer.transaction() as tx:
                tx.insert_work_order(make_row(2))

    event.listen(reader.engine, "before_cursor_execute", meanwhile)
    view = reader.get_work_order(work_order_id)
    armed["rows"] = True
    page = reader.query(msisdn=make_row()["msisdn"])
    event.remove(reader.engine, "before_cursor_execute", meanwhile)
    assert not armed["history"] and not armed["rows"]  # both writes happened in the middle of a read
    assert view is not None
    assert (view.row["state"], [entry["action"] for entry in view.history]) == ("ACCEPTED", ["CREATE"])
    assert page.total == len(page.rows) == 1


def test_a_customers_recent_and_open_work_orders(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        old = tx.insert_work_order(make_row(0, msisdn="13700000000", state="CLOSED"))
        open_old = tx.insert_work_order(make_row(1, msisdn="13700000000", state="IN_PROGRESS"))
        recent = tx.insert_work_order(make_row(60 * 24 * 3, msisdn="13700000000", channel="web", state="CLOSED"))
        tx.insert_work_order(make_row(60 * 24 * 3, msisdn="13700000001"))
    since = T0 + timedelta(days=2)
    assert [r["id"] for r in workorder_store.recent_for_msisdn("13700000000", since)] == [recent]
    assert [r["id"] for r in workorder_store.open_for_msisdn("13700000000", ["NEW", "IN_PROGRESS"])] == [open_old]
    assert {r["id"] for r in workorder_store.recent_for_msisdn("13700000000", T0)} == {old, open_old, recent}


def test_a_pass_over_the_open_work_orders_reads_each_once_in_chunks(workorder_store: WorkOrderStore) -> None:
    states = ["NEW", "IN_PROGRESS", "PENDING", "CLOSED"]
    with workorder_store.transaction() as tx:
        ids = {tx.insert_work_order(make_row(n, state=states[n % 4])): states[n % 4] for n in range(23)}
    chunks = list(workorder_store.iter_work_orders(["NEW", "PENDING"], chunk=4))
    seen = [row["id"] for rows in chunks for row in rows]
    assert sorted(seen) == sorted(i for i, state in ids.items() if state in ("NEW", "PENDING"))
    assert all(1 <= len(rows) <= 4 for rows in chunks)


def test_replacing_deadlines_keeps_those_already_fired(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        work_order_id = tx.insert_work_order(make_row())
        tx.replace_deadlines(work_order_id, [("warning", T0 + timedelta(hours=1)), ("reply", T0 + timedelta(hours=2))])
    with workorder_store.claim_due_deadlines(T0 + timedelta(hours=1)) as due:
        assert [d.kind for d in due.deadlines] == ["warning"]
    with workorder_store.transaction() as tx:  # paused for an hour: the reply deadline moves
        tx.replace_deadlines(work_order_id, [("reply", T0 + timedelta(hours=3))])
    found = workorder_store.get_work_order(work_order_id)
    assert found is not None
    assert [(d["kind"], d["due_at"], d["fired_at"]) for d in found.deadlines] == [
        ("warning", T0 + timedelta(hours=1), T0 + timedelta(hours=1)),
        ("reply", T0 + timedelta(hours=3), None),
    ]


def test_due_deadlines_fire_once_with_their_effect(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        ids = [tx.insert_work_order(make_row(n)) for n in range(3)]
        for n, work_order_id in enumerate(ids):
            tx.replace_deadlines(work_order_id, [("reply", T0 + timedelta(hours=n + 1))])
    now = T0 + timedelta(hours=2)
    with pytest.raises(Boom), workorder_store.claim_due_deadlines(now) as due:
        raise Boom  # the effect failed: nothing fired
    with workorder_store.claim_due_deadlines(now, limit=10) as due:
        assert [d.work_order_id for d in due.deadlines] == ids[:2]  # oldest first, the third not yet due
        assert due.deadlines[0].due_at == T0 + timedelta(hours=1)
        due.release(due.deadlines[1])
        for deadline in due.deadlines[:1]:
            due.tx.update(deadline.work_order_id, {"escalation_level": 1})
    with workorder_store.claim_due_deadlines(now) as due:
        assert [d.work_order_id for d in due.deadlines] == [ids[1]]  # the released one, and only it
    with workorder_store.claim_due_deadlines(now + timedelta(days=1)) as due:
        assert [d.work_order_id for d in due.deadlines] == [ids[2]]
    escalated = workorder_store.get_work_order(ids[0])
    assert escalated is not None
    assert escalated.row["escalation_level"] == 1
    assert escalated.deadlines[0]["fired_at"] == now


def test_events_wait_in_the_outbox_in_order_until_published(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        first = tx.insert_work_order(make_row(0))
        second = tx.insert_work_order(make_row(1))
        events = [tx.add_event(first, "created", '{"n": 1}', at=T0), tx.add_event(second, "created", "{}", at=T0),
                  tx.add_event(first, "stateChanged", '{"n": 2}', at=T0)]

    def event_then_failure() -> None:
        with workorder_store.transaction() as tx:
            tx.add_event(first, "closed", "{}", at=T0)
            raise Boom

    with pytest.raises(Boom):
        event_then_failure()  # a change that rolled back leaves no event
    pending = workorder_store.pending_events()
    assert len(set(events)) == 3
    assert [(e.event_id, e.work_order_id, e.seq, e.kind) for e in pending] == [
        (events[0], first, 1, "created"), (events[1], second, 1, "created"), (events[2], first, 2, "stateChanged"),
    ]
    assert pending[2].payload == '{"n": 2}'
    workorder_store.mark_published(events[:2], T0 + timedelta(seconds=1))
    assert [e.event_id for e in workorder_store.pending_events()] == [events[2]]
    with workorder_store.transaction() as tx:
        later = tx.add_event(first, "closed", "{}", at=T0)
    assert [(e.event_id, e.seq) for e in workorder_store.pending_events()] == [(events[2], 2), (later, 3)]


def test_listeners_register_and_unregister(workorder_store: WorkOrderStore) -> None:
    crm = workorder_store.add_listener("http://127.0.0.1:9/crm", "state=CLOSED", T0)
    oa = workorder_store.add_listener("http://127.0.0.1:9/oa", None, T0 + timedelta(seconds=1))
    assert [(li.id, li.callback_url, li.filter) for li in workorder_store.listeners()] == [
        (crm.id, "http://127.0.0.1:9/crm", "state=CLOSED"), (oa.id, "http://127.0.0.1:9/oa", None)]
    assert workorder_store.remove_listener(crm.id)
    assert not workorder_store.remove_listener(crm.id)
    assert [li.id for li in workorder_store.listeners()] == [oa.id]


def test_a_database_at_an_older_revision_is_brought_to_head_with_its_rows(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0001")
        assert current_revision(store.engine) == "0001"
        with store.engine.begin() as connection:
            connection.execute(work_orders.insert().values(
                id="WO20261203OLD00001", channel="hotline", msisdn="13800000000", category_code="01.02.03",
                state="NEW", created_at=T0, updated_at=T0))
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision() != "0001"
        found = store.get_work_order("WO20261203OLD00001")
        assert found is not None
        assert (found.row["msisdn"], found.row["sla_version"], found.row["first_responded_at"]) == (
            "13800000000", None, None)
    finally:
        store.close()


def test_a_work_orders_parties_are_its_numbers_state_and_times(workorder_store: WorkOrderStore) -> None:
    """What the SMS-log purpose check reads of every query (one indexed read): whose complaint, and when."""
    occurred, closed = T0 - timedelta(days=2), T0 + timedelta(days=3)
    with workorder_store.transaction() as tx:
        tx.insert_work_order(make_row(id="WO20261123PARTY001", msisdn="13800138000", contact_number="13900139000",
                                      occurred_at=occurred, state="CLOSED", closed_at=closed))
        tx.insert_work_order(make_row(id="WO20261123PARTY002", msisdn="13800138001", contact_number=None))
    assert workorder_store.parties("WO20261123PARTY001") == (
        "13800138000", "13900139000", "CLOSED", occurred, T0, closed)
    found = workorder_store.parties("WO20261123PARTY002")
    assert found == ("13800138001", None, "NEW", None, T0, None)
    assert found is not None and found.created_at.utcoffset() == timedelta(0)
    assert workorder_store.parties("WO20261123NOSUCH00") is None
