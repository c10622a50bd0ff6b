"""How one delivered notice changes the kept one: the newest-revision rule, and the edition every change raises.

A notice is *raised* the first time its id is seen, *updated* by a higher revision, *cleared* by status CLEARED,
*withdrawn* by status WITHDRAWN (issued in error: no outage; every version after it is *stale*, ``after_withdrawal``);
an older revision arriving late is *stale*, and so is an ACTIVE one after the clearance at the same revision (a
clearance is not undone) or one NSP sent before the clearance kept, whatever its revision (``sent_before_clearance``:
a newer revision overtaken by a clearance sent without a Revision would otherwise reopen the notice for good). A
notice without a Revision is revision 1, a clearance without one clears the kept revision (``resolve_revision``;
the workflow and the OA adapter keep notices by the same rules).

At the same revision and status, NSP may correct a notice: the changed one is applied, the same one again is
*unchanged*. Which of two variants is the correction is told by their SentAt: a variant sent before the one applied
is the original come late (a redelivery, a message back from a delay tier) and is *stale*; it would otherwise
overwrite its own correction. Without both SentAt (a document without a header), the later arrival is applied as
before. The SentAt kept is the latest at which NSP said the applied version (an unchanged resend moves it on).

Every change applied raises the notice's *edition* by one (``notice_editions``); the edition at which its current
revision arrived is kept too (what a read of that revision by number marks read: ``BulletinBoard.mark_read``).

``notices.status`` says whether the notice is on: ACTIVE, or CLEARED for a notice over, a withdrawn one included
(its CHECK constraint, in every board file and database, allows no other value; the list of active notices and the
retention read it), while the notice's JSON keeps NSP's status, WITHDRAWN, which the views show.

The kept notice is read ``FOR UPDATE`` (PostgreSQL; SQLite's write lock is the file's): retention, which skips the
rows so locked, cannot drop it under a change being applied.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub.bulletin.database import insert_into
from hub.bulletin.notice import (
    REPORT_FIELDS,
    OutageNotice,
    after_withdrawal,
    resolve_revision,
    sent_before_clearance,
    sent_earlier,
)
from hub.bulletin.tables import AREAS, EDITIONS, NOTICES, edition_of

__all__ = ["apply_notice", "stored_fields"]

_KEPT = (sa.select(NOTICES.c.revision, NOTICES.c.status, NOTICES.c.notice, edition_of(),
                   sa.func.coalesce(EDITIONS.c.revision_edition, NOTICES.c.revision), EDITIONS.c.sent_at)
         .select_from(NOTICES.outerjoin(EDITIONS, EDITIONS.c.notice_id == NOTICES.c.notice_id))
         .where(NOTICES.c.notice_id == sa.bindparam("notice_id")).with_for_update(of=NOTICES))


def stored_fields(notice: OutageNotice) -> str:
    """What the notice says, as ``notices.notice`` keeps it (JSON): every field but when it was sent, so the same
    notice sent again compares equal; the report fields (``REPORT_FIELDS``) only when given, so a notice a board
    kept before they existed, sent again unchanged, is still unchanged; so is the reason of a withdrawal."""
    fields = asdict(notice)
    del fields["sent_at"]
    for name in (*REPORT_FIELDS, "withdrawal_reason"):  # left out when empty (see above)
        if fields[name] is None:
            del fields[name]
    return json.dumps(fields, ensure_ascii=False)


def apply_notice(db: Connection, notice: OutageNotice, now: float) -> str:
    """Apply ``notice`` in the caller's write transaction; the outcome: raised, updated, cleared, withdrawn, stale
    or unchanged."""
    row = db.execute(_KEPT, {"notice_id": notice.notice_id}).first()
    notice = resolve_revision(notice, None if row is None else int(row[0]))
    data = stored_fields(notice)
    if row is None:
        outcome, edition, revision_edition = _outcome(notice, "raised"), 1, 1
    else:
        revision, status, kept, edition, revision_edition, sent_at = row
        same_revision = notice.revision == revision
        if after_withdrawal(json.loads(kept).get("status")):
            return "stale"  # NSP withdrew the notice: nothing it sends of it after that is applied
        if notice.revision < revision or (same_revision and status == "CLEARED" and notice.active):
            return "stale"
        if sent_before_clearance(notice.active, notice.sent_at, status == "CLEARED", sent_at):
            return "stale"  # a newer revision NSP sent before the clearance it overtook
        if same_revision and data == kept:
            if sent_earlier(sent_at, notice.sent_at):
                db.execute(EDITIONS.update().where(EDITIONS.c.notice_id == notice.notice_id)
                           .values(sent_at=notice.sent_at))
            return "unchanged"  # the same revision sent again (a new message id for the same notice)
        if same_revision and notice.status == status and sent_earlier(notice.sent_at, sent_at):
            return "stale"  # the original of a correction applied before it
        outcome = _outcome(notice, "updated")
        edition = int(edition) + 1
        revision_edition = int(revision_edition) if same_revision else edition
    on_or_over = "ACTIVE" if notice.active else "CLEARED"  # a withdrawn notice is over (the module's note)
    kept_notice = insert_into(db, NOTICES).values(notice_id=notice.notice_id, revision=notice.revision,
                                                  status=on_or_over, notice=data, raised_at=now, updated_at=now)
    db.execute(kept_notice.on_conflict_do_update(index_elements=[NOTICES.c.notice_id], set_={
        "revision": kept_notice.excluded.revision, "status": kept_notice.excluded.status,
        "notice": kept_notice.excluded.notice, "updated_at": kept_notice.excluded.updated_at}))
    kept_edition = insert_into(db, EDITIONS).values(notice_id=notice.notice_id, edition=edition,
                                                    revision_edition=revision_edition, sent_at=notice.sent_at)
    db.execute(kept_edition.on_conflict_do_update(index_elements=[EDITIONS.c.notice_id], set_={
        "edition": kept_edition.excluded.edition, "revision_edition": kept_edition.excluded.revision_edition,
        "sent_at": kept_edition.excluded.sent_at}))
    db.execute(AREAS.delete().where(AREAS.c.notice_id == notice.notice_id))
    if notice.areas:
        db.execute(insert_into(db, AREAS).on_conflict_do_nothing(),
                   [{"notice_id": notice.notice_id, "area_code": area.code} for area in notice.areas])
    return outcome


def _outcome(notice: OutageNotice, active: str) -> str:
    """What applying ``notice`` did: ``active`` (raised or updated) for an ACTIVE one, else cleared or withdrawn."""
    if notice.active:
        return active
    return "withdrawn" if notice.withdrawn else "cleared"
