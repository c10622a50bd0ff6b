"""The processes running the workflow on this database, the rule files each computes deadlines with and the
taxonomy each checks complaints and dispatches by (``rule_file_users``; ``hub.workflow.rule_agreement`` renews a
process's row and names those that disagree).

Each statement reads or writes a handful of rows (one per running hub or workflow worker), under the primary key or
by a pass over that small table. On PostgreSQL the rows are stamped and aged by the database's clock, so hubs on
hosts whose clocks differ by more than ``GONE_AFTER`` still see one another.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import Insert

from hub.workflow.store.schema import rule_file_users

__all__ = ["GONE_AFTER", "RuleFileUser", "announce", "versions_in_use", "withdraw"]

_ru = rule_file_users.c
GONE_AFTER = timedelta(seconds=60)  # a row not renewed for this long is a process gone (killed, machine off)
_VERSION_LENGTH = 64
_OTHERS = select(rule_file_users).where(_ru.process_id != bindparam("process")).order_by(_ru.started_at)
_STAMPED = ("process_id", "host", "pid", "sla_version", "calendars_version", "taxonomy_version",
            "started_at")  # seen_at: see _renew
_WITHDRAW = delete(rule_file_users).where(_ru.process_id == bindparam("process"))


@dataclass(frozen=True, slots=True)
class RuleFileUser:
    """One process running the workflow, the versions of its SLA table, calendars and taxonomy, when it started and
    was last seen (renewed every pass). ``taxonomy_version`` is empty in a row an older release wrote (revision
    0018 added it)."""

    process_id: str
    host: str
    pid: int
    sla_version: str
    calendars_version: str
    started_at: datetime
    seen_at: datetime
    taxonomy_version: str = ""

    @property
    def versions(self) -> tuple[str, str, str]:
        """(SLA table, calendars, taxonomy): the process agrees with another when all three are the same."""
        return self.sla_version, self.calendars_version, self.taxonomy_version

    def row(self) -> dict[str, object]:
        return {"process_id": self.process_id[:100], "host": self.host[:255], "pid": self.pid,
                "sla_version": self.sla_version[:_VERSION_LENGTH],
                "calendars_version": self.calendars_version[:_VERSION_LENGTH],
                "taxonomy_version": self.taxonomy_version[:_VERSION_LENGTH],
                "started_at": self.started_at, "seen_at": self.seen_at}


@functools.cache
def _renew(dialect: str) -> Insert:
    """Insert or renew a process's row; PostgreSQL stamps ``seen_at`` with its own clock (``now()``)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    seen_at = func.now() if dialect == "postgresql" else bindparam("seen_at")
    statement = insert(rule_file_users).values(**{name: bindparam(name) for name in _STAMPED}, seen_at=seen_at)
    return statement.on_conflict_do_update(index_elements=[_ru.process_id], set_={
        "sla_version": statement.excluded.sla_version, "calendars_version": statement.excluded.calendars_version,
        "taxonomy_version": statement.excluded.taxonomy_version, "seen_at": statement.excluded.seen_at})


def _seen_since(dialect: str) -> ColumnElement[Any]:
    """The oldest ``seen_at`` of a process still running: ``now() - gone_after`` by PostgreSQL's clock (hubs on
    several hosts whose clocks differ judge one another alike), the caller's ``now - gone_after`` on SQLite (one
    machine's file, one clock)."""
    if dialect == "postgresql":
        return func.now() - func.make_interval(0, 0, 0, 0, 0, 0, bindparam("gone_after_seconds", type_=Float))
    return bindparam("seen_since", type_=rule_file_users.c.seen_at.type)


def _window(now: datetime, gone_after: timedelta) -> dict[str, object]:
    return {"gone_after_seconds": gone_after.total_seconds(), "seen_since": now - gone_after}


def announce(engine: Engine, user: RuleFileUser, gone_after: timedelta) -> list[RuleFileUser]:
    """Renew ``user``'s row (its versions as they are now), remove the rows of processes not seen for
    ``gone_after`` and return the other processes still running, the oldest first."""
    with engine.begin() as connection:
        dialect = connection.dialect.name
        connection.execute(_renew(dialect), user.row())
        connection.execute(delete(rule_file_users).where(_ru.seen_at < _seen_since(dialect)),
                           _window(user.seen_at, gone_after))
        return [RuleFileUser(**row) for row in connection.execute(_OTHERS, {"process": user.process_id}).mappings()]


def withdraw(engine: Engine, process_id: str) -> None:
    """The process stops: its row goes at once (the others need not wait for it to age)."""
    with engine.begin() as connection:
        connection.execute(_WITHDRAW, {"process": process_id})


def versions_in_use(connection: Connection, now: datetime,
                    gone_after: timedelta = GONE_AFTER) -> dict[tuple[str, str, str], int]:
    """(SLA version, calendars version, taxonomy version) → how many processes seen within ``gone_after`` work
    with them."""
    found = connection.execute(select(_ru.sla_version, _ru.calendars_version, _ru.taxonomy_version)
                               .where(_ru.seen_at >= _seen_since(connection.dialect.name)), _window(now, gone_after))
    return dict(Counter((str(sla), str(calendars), str(taxonomy)) for sla, calendars, taxonomy in found))
