"""``WorkOrderStore``: the work-order database behind one interface, SQLite or PostgreSQL by URL.

    store = WorkOrderStore.open("sqlite:///var/onepoint-workorders.db")   # or postgresql+psycopg://…
    with store.transaction(message_id=message.message_id) as tx:
        if not tx.duplicate:
            work_order_id = tx.insert_work_order(row, history=[...])
            tx.replace_deadlines(work_order_id, [("reply", due)])
            tx.complete("created", reply=answer)
    # one commit: the effects and the processed-message record; an exception rolls both back

Opening runs the migrations (``upgrade head``) and, on a SQLite file, holds its hub lock shared until ``close``
(``hub_lock``: ``onepoint workorders copy`` is refused while a hub runs on the file); a SQLite file missing beside
the lock a hub left, or one this process may not write, is refused first (``database_file``). Every write is
followed (``write_health``) for the readiness check (``readiness_check``). Handlers called by a worker
whose processed-message store is ``WorkOrderProcessedStore(store)`` find the worker's transaction with
``store.current_transaction()``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from hub.database.file_locks import SharedFileLock
from hub.workflow.store.database_file import FileIdentity, database_file, guard_opening, mark_opened
from hub.workflow.store.dialect import create_store_engine, one_snapshot, shares_one_connection
from hub.workflow.store.due import DueBatch, mark_fired, take_due
from hub.workflow.store.health import StoreHealth, read_health
from hub.workflow.store.hub_lock import HubLock
from hub.workflow.store.migrate import require_head, upgrade
from hub.workflow.store.outbox_access import OutboxAccess
from hub.workflow.store.parties import WorkOrderParties, read_parties
from hub.workflow.store.queries import find_work_orders, load_work_order, work_orders_in_state, work_orders_of
from hub.workflow.store.readiness import DatabaseCheck
from hub.workflow.store.records import WorkOrderPage, WorkOrderView
from hub.workflow.store.statements import SELECT_PARTIES
from hub.workflow.store.transaction import WorkOrderTransaction, open_unit
from hub.workflow.store.write_health import WriteHealth

__all__ = ["NestedTransactionError", "NoTransactionError", "WorkOrderStore"]


class NoTransactionError(RuntimeError):
    """``current_transaction()`` was called outside a store transaction."""


class NestedTransactionError(RuntimeError):
    """A transaction was begun inside another one of the same store, in the same thread."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WorkOrderStore(OutboxAccess):
    """Work orders, their history and deadlines, processed messages and the event outbox, on one database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utcnow, migrate: bool = True) -> None:
        self.engine = engine
        self.clock = clock  # stamps processed-message records only; every work-order time is given by the caller
        self._current: ContextVar[WorkOrderTransaction | None] = ContextVar(f"workorder-tx-{id(self)}", default=None)
        # SQLite: the parties read runs on a pooled driver connection (~8 µs; ~65 µs through Connection.execute)
        self._parties_sql = str(SELECT_PARTIES.compile(dialect=engine.dialect)) if self.dialect == "sqlite" else None
        self._hub_lock: SharedFileLock | None = None  # ``open``: this process has the SQLite file open for writing
        self.writes = WriteHealth().watch(engine)  # its last write against its last write failure (``/readyz``)
        self.file_identity: FileIdentity | None = None  # ``open``: the SQLite file opened (``/readyz``)
        if migrate:
            upgrade(engine)

    @classmethod
    def open(cls, url: str, *, clock: Callable[[], datetime] = _utcnow, reading: bool = False,
             **engine_options: Any) -> WorkOrderStore:
        """``sqlite:///path`` (``sqlite://``: memory, one thread), ``postgresql+psycopg://user@host:port/db``, migrated
        to this release's head; ``reading``: never migrated, refused unless at head (``migrate.require_head``). Not
        ``reading``, a SQLite file's hub lock is held shared until ``close`` (``hub_lock``: ``StoreBeingCopied``
        while ``onepoint workorders copy`` reads it), and a file lost since a hub ran on it or one this process may
        not write is refused (``database_file``: ``DatabaseFileLost``, ``DatabaseNotWritable``)."""
        engine = create_store_engine(url, **engine_options)
        path = database_file(engine.url)
        try:
            if path is not None and not reading:  # before the lock file is made and SQLite creates a new file
                guard_opening(path)
            held = None if reading else HubLock.hold(engine.url)  # before migrating: a copy may be reading it
        except BaseException:
            engine.dispose()
            raise
        try:
            store = cls(engine, clock=clock, migrate=not reading)
            if reading:
                require_head(store.engine)
        except BaseException:
            engine.dispose()
            if held is not None:
                held.release()
            raise
        store._hub_lock = held
        store.file_identity = None if path is None else FileIdentity.of(path)
        if path is not None and not reading:
            mark_opened(path)
        return store

    def readiness_check(self, ping: Callable[[Engine], None] | None = None) -> DatabaseCheck:
        """What ``/readyz``'s ``checks.database`` runs in the background (``readiness``); ``ping``: its
        ``SELECT 1`` (default ``readiness.select_one``)."""
        return DatabaseCheck(self.engine, self.writes, self.file_identity, ping)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()
        if self._hub_lock is not None:
            self._hub_lock.release()
            self._hub_lock = None

    # -- writes --------------------------------------------------------------------------------------------------

    def begin(self, message_id: str | None = None) -> WorkOrderTransaction:
        """An open unit of work (see ``transaction``); end it with ``finish``. Refused inside another one (it would
        wait for the write lock its own thread holds, on SQLite): code inside uses ``current_transaction()``."""
        enclosing = self._current.get()
        if enclosing is not None and not enclosing.duplicate:
            raise NestedTransactionError("a work-order transaction is open here already: use current_transaction()")
        return open_unit(self.engine, message_id)

    def finish(self, tx: WorkOrderTransaction, *, commit: bool) -> None:
        if tx.duplicate:
            return
        if commit:
            tx.commit(self.clock())
        else:
            tx.rollback()

    @contextmanager
    def transaction(self, message_id: str | None = None) -> Iterator[WorkOrderTransaction]:
        """One message's unit of work: a duplicate message id gives ``tx.duplicate`` and changes nothing; otherwise
        everything done through ``tx`` and the processed record commit together at the end of the block, or
        nothing does if it raises. ``ClaimBusyError``: another transaction holds this message id now."""
        tx = self.begin(message_id)
        token = self._current.set(tx)
        try:
            yield tx
        except BaseException:
            self.finish(tx, commit=False)
            raise
        else:
            self.finish(tx, commit=True)
        finally:
            self._current.reset(token)

    def current_transaction(self) -> WorkOrderTransaction:
        """The transaction this thread (or task) is inside: a ``transaction`` block or a worker's claim."""
        tx = self._current.get()
        if tx is None:
            raise NoTransactionError("no work-order store transaction is open here")
        return tx

    def only_reads(self) -> None:
        """The message being handled only reads (a query): its record keeps no answer, only its fingerprint, so a
        repeat is answered afresh (``WorkOrderProcessedStore``). Outside a worker's transaction: nothing to do."""
        tx = self._current.get()
        if tx is not None and not tx.duplicate:
            tx.keeps_answer = False

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A transaction of its own that only reads one moment (``one_snapshot``), also inside a worker's write
        transaction: figures read in several statements agree (what the batch changed is not among them until it
        commits). A memory database's one connection cannot open a second transaction: inside one, the reads are
        its own (one moment on SQLite, nobody else writing), with the additions it holds for the commit written
        first so that they agree with its rows (``write_held_additions``)."""
        tx = self._current.get()
        if tx is not None and tx.connection is not None and shares_one_connection(self.engine):
            tx.write_held_additions()
            yield tx.connection
            return
        with one_snapshot(self.engine) as connection:
            yield connection

    def make_current(self, tx: WorkOrderTransaction) -> Callable[[], None]:
        """Make ``tx`` current; returns what undoes it (for claims opened and closed in separate calls)."""
        token = self._current.set(tx)
        return lambda: self._current.reset(token)

    @contextmanager
    def claim_due_deadlines(self, now: datetime, limit: int = 100) -> Iterator[DueBatch]:
        """The due deadlines (``due_at <= now``, not fired), marked fired with the block's effects (see ``due``)."""
        with self.transaction() as tx:
            batch = take_due(tx, now, limit)
            yield batch
            mark_fired(batch, now)

    # -- reads ---------------------------------------------------------------------------------------------------

    def health(self, now: datetime) -> StoreHealth:
        """Due deadlines not fired, unpublished events, listeners by state: index ranges only (``health``)."""
        with self._reading() as connection:
            return read_health(connection, now)

    def get_work_order(self, work_order_id: str) -> WorkOrderView | None:
        with self._reading() as connection:
            return load_work_order(connection, work_order_id)

    def parties(self, work_order_id: str) -> WorkOrderParties | None:
        """Whose complaint a work order is and when (``hub.workflow.store.parties``; None: no such work order).
        One indexed read, for the SMS-log purpose check of every query (on SQLite one autocommit statement)."""
        return read_parties(self.engine, self._parties_sql, work_order_id)

    def query(self, **filters: Any) -> WorkOrderPage:
        """QueryWorkOrders: ``msisdn``, ``states``, ``category_prefix``, ``area``, ``tier`` (or ``tiers``),
        ``group_id``, ``created_from``, ``created_to``, ``overdue_at``, ``owner``, ``incident_id``, ``page``,
        ``page_size``, ``after``, ``scope`` (``queries.find_work_orders``); returns ``(total, rows)``."""
        with self._reading() as connection:
            return find_work_orders(connection, **filters)

    def recent_for_msisdn(self, msisdn: str, since: datetime, *, limit: int = 50) -> list[dict[str, Any]]:
        """The customer's work orders created since ``since``, every channel, newest first (repeat complaints)."""
        with self._reading() as connection:
            return work_orders_of(connection, msisdn, since=since, limit=limit)

    def open_for_msisdn(self, msisdn: str, states: Collection[str], *, limit: int = 50) -> list[dict[str, Any]]:
        """The customer's work orders in ``states`` (the caller's open states), newest first."""
        with self._reading() as connection:
            return work_orders_of(connection, msisdn, states=states, limit=limit)

    def iter_work_orders(self, states: Collection[str], *, chunk: int = 500) -> Iterator[list[dict[str, Any]]]:
        """Every work order in ``states``, a chunk at a time (each read in its own short transaction, so writers go
        on between chunks): the pass that recalculates open work orders' deadlines after a table change."""
        for state in states:
            after: str | None = None
            while True:
                with self._reading() as connection:
                    rows = work_orders_in_state(connection, state, after=after, limit=chunk)
                if rows:
                    yield rows
                if len(rows) < chunk:
                    break
                after = str(rows[-1]["id"])

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One moment for every statement of a read (``one_snapshot``): QueryWorkOrder's row, history and deadlines,
        QueryWorkOrders' Total and rows agree however many actions other processes commit meanwhile (on PostgreSQL
        READ COMMITTED saw each statement's own moment: a State beside a history ending elsewhere)."""
        with one_snapshot(self.engine) as connection:
            yield connection
