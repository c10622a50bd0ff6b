"""How one delivered notice changes the kept one: the newest-revision rule, and the edition every change raises.

A notice is *raised* the first time its id is seen, *updated* by a higher revision, *cleared* by status CLEARED;
an older revision arriving late is *stale*, and so is an ACTIVE one after the clearance at the same revision (a
clearance is not undone). A notice without a Revision is revision 1, a clearance without one clears the kept
revision (``resolve_revision``; the workflow keeps notices by the same rule).

At the same revision and status, NSP may correct a notice: the changed one is applied, the same one again is
*unchanged*. Which of two variants is the correction is told by their SentAt: a variant sent before the one applied
is the original come late (a redelivery, a message back from a delay tier) and is *stale*; it would otherwise
overwrite its own correction. Without both SentAt (a document without a header), the later arrival is applied as
before. The SentAt kept is the latest at which NSP said the applied version (an unchanged resend moves it on).

Every change applied raises the notice's *edition* by one (``notice_editions``); the edition at which its current
revision arrived is kept too (what a read of that revision by number marks read: ``BulletinBoard.mark_read``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict

from hub.bulletin.notice import OutageNotice, resolve_revision, sent_earlier
from hub.bulletin.schema import EDITION

__all__ = ["apply_notice", "stored_fields"]

_KEPT = (f"SELECT n.revision, n.status, n.notice, {EDITION}, coalesce(e.revision_edition, n.revision),"  # noqa: S608
         " e.sent_at FROM notices n LEFT JOIN notice_editions e ON e.notice_id = n.notice_id WHERE n.notice_id = ?")


def stored_fields(notice: OutageNotice) -> str:
    """What the notice says, as ``notices.notice`` keeps it (JSON): every field but when it was sent, so the same
    notice sent again compares equal."""
    fields = asdict(notice)
    del fields["sent_at"]
    return json.dumps(fields, ensure_ascii=False)


def apply_notice(db: sqlite3.Connection, notice: OutageNotice, now: float) -> str:
    """Apply ``notice`` in the caller's write transaction; the outcome: raised, updated, cleared, stale or
    unchanged."""
    row = db.execute(_KEPT, (notice.notice_id,)).fetchone()
    notice = resolve_revision(notice, None if row is None else int(row[0]))
    data = stored_fields(notice)
    if row is None:
        outcome, edition, revision_edition = ("raised" if notice.active else "cleared"), 1, 1
    else:
        revision, status, kept, edition, revision_edition, sent_at = row
        same_revision = notice.revision == revision
        if notice.revision < revision or (same_revision and status == "CLEARED" and notice.active):
            return "stale"
        if same_revision and data == kept:
            if sent_earlier(sent_at, notice.sent_at):
                db.execute("UPDATE notice_editions SET sent_at = ? WHERE notice_id = ?",
                           (notice.sent_at, notice.notice_id))
            return "unchanged"  # the same revision sent again (a new message id for the same notice)
        if same_revision and notice.status == status and sent_earlier(notice.sent_at, sent_at):
            return "stale"  # the original of a correction applied before it
        outcome = "updated" if notice.active else "cleared"
        edition = int(edition) + 1
        revision_edition = int(revision_edition) if same_revision else edition
    db.execute(
        "INSERT INTO notices VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(notice_id) DO UPDATE SET"
        " revision=excluded.revision, status=excluded.status, notice=excluded.notice,"
        " updated_at=excluded.updated_at",
        (notice.notice_id, notice.revision, notice.status, data, now, now),
    )
    db.execute("INSERT INTO notice_editions VALUES (?, ?, ?, ?) ON CONFLICT(notice_id) DO UPDATE SET"
               " edition=excluded.edition, revision_edition=excluded.revision_edition, sent_at=excluded.sent_at",
               (notice.notice_id, edition, revision_edition, notice.sent_at))
    db.execute("DELETE FROM notice_areas WHERE notice_id=?", (notice.notice_id,))
    db.executemany("INSERT OR IGNORE INTO notice_areas VALUES (?, ?)",
                   [(notice.notice_id, area.code) for area in notice.areas])
    return outcome
