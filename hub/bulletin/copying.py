"""``copy_board``: a hub's bulletin file carried into the board a deployment of several hubs shares
(``[bulletin] database``), so that switching to it does not start the agents' bulletin empty.

Per notice, in one transaction of the shared board, under the notice's lock (``database.lock_notice``): a notice the
shared board lacks, or holds at an older (revision, edition), is taken from the file whole — its row, its areas,
its editions — with the file's read marks of it (a read mark already there keeps the higher edition); one the
shared board holds as new or newer is *kept* (another hub's worker applied a later revision, or another hub's
file was copied first), and so are its read marks. Editions are counted per board: a file's notice that replaces
one the shared board holds gets its editions above the board's (and its read marks with them), so an agent's mark
of the board's older edition leaves the newer one unread. Every applied message id of the file is recorded too
(insert-or-ignore), so a redelivery of a message the file's hub applied changes nothing in the shared board.
Copying the same file again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from hub.bulletin.database import greater, insert_into, lock_notice
from hub.bulletin.tables import APPLIED, AREAS, EDITIONS, NOTICES, READS, edition_of

__all__ = ["CopyReport", "copy_board"]

Row = Mapping[str, Any]


@dataclass
class CopyReport:
    copied: int = 0  # notices taken from the file
    kept: int = 0  # notices the shared board held as new or newer
    reads: int = 0  # read marks taken with the copied notices
    messages: int = 0  # applied message ids recorded (those not there yet)


def _rows(source: Connection, table: sa.Table) -> list[Row]:
    return [dict(row) for row in source.execute(sa.select(table)).mappings()]


def _by_notice(rows: Sequence[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[str(row["notice_id"])].append(row)
    return grouped


_KEPT = (sa.select(NOTICES.c.revision, edition_of())
         .select_from(NOTICES.outerjoin(EDITIONS, EDITIONS.c.notice_id == NOTICES.c.notice_id))
         .where(NOTICES.c.notice_id == sa.bindparam("notice_id")).with_for_update(of=NOTICES))


def _replace(db: Connection, table: sa.Table, notice_id: str, rows: Sequence[Row]) -> None:
    db.execute(sa.delete(table).where(table.c.notice_id == notice_id))
    if rows:
        db.execute(sa.insert(table), list(rows))


def _copy_notice(db: Connection, notice: Row, areas: Sequence[Row], edition: Row | None,
                 reads: Sequence[Row]) -> bool:
    notice_id = str(notice["notice_id"])
    lock_notice(db, notice_id)
    kept = db.execute(_KEPT, {"notice_id": notice_id}).first()
    ours = (int(notice["revision"]), int(edition["edition"]) if edition is not None else int(notice["revision"]))
    if kept is not None and (int(kept[0]), int(kept[1])) >= ours:
        return False
    if kept is not None:  # editions count per board: the file's go on above the board's, so a mark there stays below
        shift = int(kept[1])
        base: Row = edition if edition is not None else {"notice_id": notice_id, "edition": ours[1],
                                                          "revision_edition": ours[1], "sent_at": None}
        edition = {**base, "edition": int(base["edition"]) + shift,
                   "revision_edition": int(base["revision_edition"]) + shift}
        reads = [{**read, "edition": int(read["edition"]) + shift} for read in reads]
    _replace(db, AREAS, notice_id, areas)
    _replace(db, EDITIONS, notice_id, [edition] if edition is not None else [])
    statement = insert_into(db, NOTICES)
    db.execute(statement.on_conflict_do_update(index_elements=[NOTICES.c.notice_id], set_={
        name: statement.excluded[name] for name in ("revision", "status", "notice", "raised_at", "updated_at")}),
        [notice])
    if reads:
        marks = insert_into(db, READS)
        db.execute(marks.on_conflict_do_update(
            index_elements=[READS.c.agent, READS.c.notice_id],
            set_={"edition": greater(READS.c.edition, marks.excluded.edition),
                  "read_at": greater(READS.c.read_at, marks.excluded.read_at)}), list(reads))
    return True


def copy_board(source: Engine, target: Engine) -> CopyReport:
    """Copy the board at ``source`` (a hub's file) into ``target`` (the shared board); see the module."""
    with source.connect() as connection, connection.begin():
        notices, applied = _rows(connection, NOTICES), _rows(connection, APPLIED)
        areas, reads = _by_notice(_rows(connection, AREAS)), _by_notice(_rows(connection, READS))
        has_editions = sa.inspect(connection).has_table(EDITIONS.name)  # a file from before editions: none
        editions = {str(row["notice_id"]): row for row in _rows(connection, EDITIONS)} if has_editions else {}
    report = CopyReport()
    with target.begin() as db:
        for notice in notices:
            notice_id = str(notice["notice_id"])
            if _copy_notice(db, notice, areas.get(notice_id, []), editions.get(notice_id), reads.get(notice_id, [])):
                report.copied += 1
                report.reads += len(reads.get(notice_id, []))
            else:
                report.kept += 1
        if applied:
            before = int(db.execute(sa.select(sa.func.count()).select_from(APPLIED)).scalar_one())
            db.execute(insert_into(db, APPLIED).on_conflict_do_nothing(index_elements=[APPLIED.c.message_id]), applied)
            report.messages = int(db.execute(sa.select(sa.func.count()).select_from(APPLIED)).scalar_one()) - before
    return report
