"""The processes running the workflow on this database and the rule files each computes deadlines with
(``rule_file_users``; ``hub.workflow.rule_agreement`` renews a process's row and names those that disagree).

Each statement reads or writes a handful of rows (one per running hub or workflow worker), under the primary key or
by a pass over that small table.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import Insert

from hub.workflow.store.schema import rule_file_users

__all__ = ["GONE_AFTER", "RuleFileUser", "announce", "versions_in_use", "withdraw"]

_ru = rule_file_users.c
GONE_AFTER = timedelta(seconds=60)  # a row not renewed for this long is a process gone (killed, machine off)
_VERSION_LENGTH = 64
_OTHERS = select(rule_file_users).where(_ru.process_id != bindparam("process")).order_by(_ru.started_at)
_GONE = delete(rule_file_users).where(_ru.seen_at < bindparam("before"))
_WITHDRAW = delete(rule_file_users).where(_ru.process_id == bindparam("process"))


@dataclass(frozen=True, slots=True)
class RuleFileUser:
    """One process running the workflow, the versions of its SLA table and calendars, when it started and was last
    seen (renewed every pass)."""

    process_id: str
    host: str
    pid: int
    sla_version: str
    calendars_version: str
    started_at: datetime
    seen_at: datetime

    @property
    def versions(self) -> tuple[str, str]:
        return self.sla_version, self.calendars_version

    def row(self) -> dict[str, object]:
        return {"process_id": self.process_id[:100], "host": self.host[:255], "pid": self.pid,
                "sla_version": self.sla_version[:_VERSION_LENGTH],
                "calendars_version": self.calendars_version[:_VERSION_LENGTH],
                "started_at": self.started_at, "seen_at": self.seen_at}


@functools.cache
def _renew(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(rule_file_users)
    return statement.on_conflict_do_update(index_elements=[_ru.process_id], set_={
        "sla_version": statement.excluded.sla_version, "calendars_version": statement.excluded.calendars_version,
        "seen_at": statement.excluded.seen_at})


def announce(engine: Engine, user: RuleFileUser, gone_before: datetime) -> list[RuleFileUser]:
    """Renew ``user``'s row (its versions as they are now), remove the rows of processes not seen since
    ``gone_before`` and return the other processes still running, the oldest first."""
    with engine.begin() as connection:
        connection.execute(_renew(connection.dialect.name), user.row())
        connection.execute(_GONE, {"before": gone_before})
        return [RuleFileUser(**row) for row in connection.execute(_OTHERS, {"process": user.process_id}).mappings()]


def withdraw(engine: Engine, process_id: str) -> None:
    """The process stops: its row goes at once (the others need not wait for it to age)."""
    with engine.begin() as connection:
        connection.execute(_WITHDRAW, {"process": process_id})


def versions_in_use(connection: Connection, seen_since: datetime) -> dict[tuple[str, str], int]:
    """(SLA version, calendars version) → how many processes seen since ``seen_since`` compute with them."""
    found = connection.execute(select(_ru.sla_version, _ru.calendars_version).where(_ru.seen_at >= seen_since))
    return dict(Counter((str(sla), str(calendars)) for sla, calendars in found))
