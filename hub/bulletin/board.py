"""The bulletin board: outage notices by notice id, and what each agent has read, in SQLite or in a database
several hubs share.

``post(message_id, notice)`` applies one delivered notice in ONE write transaction together with the record of
its message id (``applied_messages``): a redelivered message changes nothing, and a crash between the two cannot
leave one without the other (the worker's processed store only saves the call). How a notice changes the kept one
(raised, updated, cleared, stale, unchanged; its edition) is ``hub.bulletin.editions``.

An agent has read a notice when it read its current *edition*: every change applied raises it (a new revision, a
correction that kept its revision, the clearance), so each pops up again. ``mark_read`` records the edition the
agent was shown (``edition=``, from the list), or for a caller that only knows the revision, the first edition of
that revision: a correction or clearance that kept the revision, which the agent may never have seen, stays unread.

Agents page in the order notices were raised, newest first (``raised_at``, ``notice_id``: neither changes when a
notice does), so a pass through the pages shows every notice of its start once, each as it is when its page comes.
The top-level unread count is counted apart from the page, under the same filter, in the same read transaction.

Where (``[bulletin] database``): by default the SQLite file at ``[bulletin] path`` (WAL: the hub's API reads while
the bulletin worker, in the hub or its own process, writes). Every hub of a deployment of several takes its share of
the one ``bulletin`` queue, so each must write to, and read from, one database: ``"workflow"`` (the work-order
database) or a PostgreSQL URL, where two hubs' workers may apply one notice at once (``hub.bulletin.database``: a
lock per notice). The statements are SQLAlchemy Core, the same on both. A writer kept waiting beyond the busy
timeout is ``BoardBusy``. Tables and their upgrade in place: ``hub.bulletin.schema``; retention (``prune``, run by
``post`` at most every ``prune_every`` seconds, in small transactions): ``hub.bulletin.retention``.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from hub.bulletin.database import READ_ONLY, BoardBusy, greater, insert_into, lock_notice, open_engine, unless_locked
from hub.bulletin.editions import apply_notice
from hub.bulletin.notice import AffectedArea, OutageNotice
from hub.bulletin.retention import BATCH, prune_cleared
from hub.bulletin.schema import open_tables, warn_if_left_behind
from hub.bulletin.tables import APPLIED, AREAS, EDITIONS, NOTICES, READS, edition_of
from hub.config.bulletin import BulletinSettings

__all__ = ["BoardBusy", "BulletinBoard", "BulletinEntry", "BulletinPage", "ReadMark"]

_JOINED = NOTICES.outerjoin(EDITIONS, EDITIONS.c.notice_id == NOTICES.c.notice_id)
_EDITION = edition_of()
_UNREAD = sa.or_(READS.c.edition.is_(None), READS.c.edition < _EDITION)


@dataclass(frozen=True, slots=True)
class BulletinEntry:
    """One notice as one agent sees it; ``edition`` is what ``mark_read(edition=)`` takes."""

    notice: OutageNotice
    unread: bool
    raised_at: float
    updated_at: float
    edition: int = 1


@dataclass(frozen=True, slots=True)
class BulletinPage:
    """One page of an agent's notices; ``unread``: all of the agent's unread notices under the page's filter
    (not only this page's); ``more``: a page follows (after the last entry)."""

    entries: list[BulletinEntry]
    unread: int
    more: bool


@dataclass(frozen=True, slots=True)
class ReadMark:
    """What ``mark_read`` recorded: the ``edition`` marked, its ``revision`` (None: an earlier edition given by
    number, whose revision is no longer kept); ``unread``: the notice has an edition the agent has not read."""

    revision: int | None
    edition: int
    unread: bool


@functools.lru_cache(maxsize=1024)
def _notice(data: str) -> OutageNotice:
    """A kept notice's JSON as the notice (frozen: one instance serves every page that shows that version)."""
    fields: dict[str, Any] = json.loads(data)
    fields["areas"] = tuple(AffectedArea(**area) for area in fields["areas"])
    fields["services"] = tuple(fields["services"])
    return OutageNotice(**fields)


@functools.lru_cache(maxsize=16)
def _page_statements(everything: bool, by_area: bool, after: bool, limited: bool) -> tuple[sa.Select[Any],
                                                                                           sa.Select[Any]]:
    """A page's list and unread count for one shape of the filter, built once (building a statement costs more
    Python than running it): the notices joined to an agent's reads (``:agent``), active unless ``everything``, of
    area ``:area``, raised after ``(:at, :last)``, at most ``:limit``."""
    joined = _JOINED.outerjoin(READS, sa.and_(READS.c.notice_id == NOTICES.c.notice_id,
                                              READS.c.agent == sa.bindparam("agent")))
    where: list[sa.ColumnElement[bool]] = [] if everything else [NOTICES.c.status == "ACTIVE"]
    if by_area:
        where.append(sa.exists().where(AREAS.c.notice_id == NOTICES.c.notice_id,
                                       AREAS.c.area_code == sa.bindparam("area")))
    listed = (sa.select(NOTICES.c.notice, NOTICES.c.raised_at, NOTICES.c.updated_at, _EDITION, _UNREAD)
              .select_from(joined).where(*where).order_by(NOTICES.c.raised_at.desc(), NOTICES.c.notice_id))
    if after:
        at = sa.bindparam("at", type_=NOTICES.c.raised_at.type)
        listed = listed.where(sa.or_(NOTICES.c.raised_at < at,
                                     sa.and_(NOTICES.c.raised_at == at, NOTICES.c.notice_id > sa.bindparam("last"))))
    if limited:
        listed = listed.limit(sa.bindparam("limit", type_=sa.Integer))
    return listed, sa.select(sa.func.count()).select_from(joined).where(*where, _UNREAD)


class BulletinBoard:
    """Thread-safe: a pool of connections (SQLAlchemy), short write transactions."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000, *, keep_cleared: float = 30 * 86_400,
                 keep_messages: float = 30 * 86_400, prune_every: float = 3_600, prune_batch: int = BATCH,
                 url: str | None = None) -> None:
        """The board in the SQLite file at ``path``, or in the database at ``url`` when given (``path`` unused)."""
        self.path = str(path)
        # the file as written: a path holding ? or % is no URL syntax (a folder "reports?2026" is not a query)
        self.url: str | URL = url or URL.create("sqlite", database=str(path))
        self.keep_cleared, self.keep_messages, self.prune_every = keep_cleared, keep_messages, prune_every
        self.prune_batch = prune_batch
        self._pruned_at = 0.0
        self.engine: Engine = open_engine(self.url, busy_timeout_ms)
        try:
            open_tables(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    @classmethod
    def from_settings(cls, settings: BulletinSettings) -> BulletinBoard:
        """The board of ``[bulletin] database`` (default: the file at ``[bulletin] path``) with its retention
        (``keep_cleared_days``, ``keep_messages_days``)."""
        if settings.url is None:
            warn_if_left_behind(settings.path)
        return cls(settings.path, keep_cleared=settings.keep_cleared_days * 86_400,
                   keep_messages=settings.keep_messages_days * 86_400, url=settings.url)

    def _reading(self) -> Connection:
        """A connection whose transaction only reads, on one snapshot (PostgreSQL: REPEATABLE READ)."""
        connection = self.engine.connect()
        if self.engine.dialect.name == "postgresql":
            return connection.execution_options(isolation_level="REPEATABLE READ")
        return connection.execution_options(**{READ_ONLY: True})

    def connections(self) -> int:
        """How many connections the board holds open."""
        pool: Any = self.engine.pool
        return int(pool.checkedin() + pool.checkedout())

    def post(self, message_id: str, notice: OutageNotice) -> str:
        """Apply ``notice`` once per ``message_id``; the outcome: raised, updated, cleared, stale or unchanged (the
        one recorded first, for a message applied before)."""
        now = time.time()
        with unless_locked("the notice was not applied"), self.engine.begin() as db:
            lock_notice(db, notice.notice_id)  # a redelivery to another hub's worker waits, then finds the record
            done = db.execute(sa.select(APPLIED.c.outcome).where(APPLIED.c.message_id == message_id)).first()
            if done is not None:
                return str(done[0])
            outcome = apply_notice(db, notice, now)
            db.execute(APPLIED.insert().values(message_id=message_id, notice_id=notice.notice_id, outcome=outcome,
                                               applied_at=now))
        if now - self._pruned_at >= self.prune_every:
            self.prune(now)
        return outcome

    def prune(self, now: float | None = None) -> tuple[int, int]:
        """Drop the notices cleared before the retention (their areas, reads, editions) and the records of messages
        applied before theirs, a batch per transaction; how many notices and message records went."""
        now = time.time() if now is None else now
        self._pruned_at = now
        with unless_locked("nothing more was pruned"):
            return prune_cleared(self.engine, cleared_before=now - self.keep_cleared,
                                 applied_before=now - self.keep_messages, batch=self.prune_batch)

    def page(self, agent: str, *, area: str | None = None, include_cleared: bool = False,
             after: tuple[float, str] | None = None, limit: int | None = None) -> BulletinPage:
        """The notices for ``agent``, newest raised first: the active ones (all of them with ``include_cleared``),
        only those touching area code ``area`` when given, each unread unless the agent read its edition; those
        after ``after`` (the last entry's ``(raised_at, notice_id)`` of the page before), at most ``limit``; with
        the agent's unread count under the same filter (every page's)."""
        listed, counted = _page_statements(include_cleared, area is not None, after is not None, limit is not None)
        values: dict[str, Any] = {"agent": agent}
        if area is not None:
            values["area"] = area
        if after is not None:
            values["at"], values["last"] = after
        if limit is not None:
            values["limit"] = limit + 1
        with unless_locked("the bulletin could not be read"), self._reading() as db, db.begin():
            rows = db.execute(listed, values).all()  # one snapshot for the page and the count
            unread = int(db.execute(counted, values).scalar_one())
        entries = [BulletinEntry(_notice(data), bool(unseen), raised, updated, int(edition))
                   for data, raised, updated, edition, unseen in rows]
        more = limit is not None and len(entries) > limit
        return BulletinPage(entries[:limit] if more else entries, unread, more)

    def entries(self, agent: str, *, area: str | None = None, include_cleared: bool = False,
                after: tuple[float, str] | None = None, limit: int | None = None) -> list[BulletinEntry]:
        """The entries of ``page`` alone."""
        return self.page(agent, area=area, include_cleared=include_cleared, after=after, limit=limit).entries

    def unread(self, agent: str, *, area: str | None = None, include_cleared: bool = False) -> int:
        """How many of the notices ``entries`` would list (every page) ``agent`` has not read."""
        return self.page(agent, area=area, include_cleared=include_cleared, limit=0).unread

    def notice(self, notice_id: str) -> BulletinEntry | None:
        """One notice as anyone reads it (no agent: never unread), or None."""
        with unless_locked("the notice could not be read"), self._reading() as db, db.begin():
            row = db.execute(sa.select(NOTICES.c.notice, NOTICES.c.raised_at, NOTICES.c.updated_at, _EDITION)
                             .select_from(_JOINED).where(NOTICES.c.notice_id == notice_id)).first()
        return None if row is None else BulletinEntry(_notice(row[0]), False, row[1], row[2], int(row[3]))

    def mark_read(self, agent: str, notice_id: str, revision: int | None = None, *,
                  edition: int | None = None) -> ReadMark | None:
        """Record that ``agent`` read the notice: ``edition`` (the one it was shown), else the first edition of
        ``revision`` (a correction or clearance that kept it stays unread), else the current edition; None if no
        such notice. A number newer than the current one counts as the current one; an agent's read never moves
        back to an older edition."""
        with unless_locked("the read mark was not recorded"), self.engine.begin() as db:
            lock_notice(db, notice_id)  # the edition read stays the current one until the mark is written
            row = db.execute(sa.select(NOTICES.c.revision, _EDITION,
                                       sa.func.coalesce(EDITIONS.c.revision_edition, NOTICES.c.revision))
                             .select_from(_JOINED).where(NOTICES.c.notice_id == notice_id)
                             .with_for_update(read=True, of=NOTICES)).first()  # retention passes it by meanwhile
            if row is None:
                return None
            current_revision, current, first = (int(value) for value in row)
            shown: int | None = current_revision
            if edition is not None:
                seen = min(edition, current)
                shown = current_revision if seen >= first else None
            elif revision is not None:  # an earlier revision: an edition before the current revision's first
                shown = min(revision, current_revision)
                seen = first if revision >= current_revision else first - 1
            else:
                seen = current
            read = insert_into(db, READS).values(agent=agent, notice_id=notice_id, edition=seen, read_at=time.time())
            kept = db.execute(read.on_conflict_do_update(
                index_elements=[READS.c.agent, READS.c.notice_id],
                set_={"edition": greater(READS.c.edition, read.excluded.edition), "read_at": read.excluded.read_at},
            ).returning(READS.c.edition)).scalar_one()
        return ReadMark(shown, seen, int(kept) < current)

    def applied(self) -> int:
        """How many delivered notice messages the board has applied (each id once)."""
        with self._reading() as db, db.begin():
            return int(db.execute(sa.select(sa.func.count()).select_from(APPLIED)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()
