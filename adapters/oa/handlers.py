"""The OA adapter's handlers (queue ``oa``).

* ``oa.PushTodo`` / ``oa.PushToRead`` (commands): the item goes to OA; its ItemId is the outcome. The manager
  completes a to-do in OA later, and OA's ``oa.CompleteTodo`` comes back through the ingress to the workflow.
* ``oa.CompleteTodo`` from the hub (routed here by its source, ``HUB``): a to-do its work order no longer needs is
  closed in OA, an escalation's (finished, or superseded by a higher level: ``hub.workflow.todos``) or a dispatched
  department's (``<work order>-dsp<n>``: its part over, ``hub.workflow.department_todos``); one OA has not open
  (``already-closed``, ``unknown-item``) is nothing to close.
* ``oa.WithdrawToRead`` from the hub (routed here by its source, ``HUB``; no caller is granted it): a work order's
  to-read nobody needs any more (answered, owner changed, closed or cancelled: ``hub.workflow.withdrawn_to_reads``)
  is taken off its user's list in OA; one OA has not open (``already-closed``: read or withdrawn already;
  ``unknown-item``) is nothing to withdraw.
* Close and push meet in ``closed_items`` (``adapters.oa.closed_items``, where every interleaving is worked
  through), for a to-do and a work order's to-read alike: the close (CompleteTodo, WithdrawToRead) records the item
  FIRST, then asks OA; a push of a recorded item is not made (and the item is closed or withdrawn in OA in case an
  earlier attempt's push landed unseen), any other push is made, then the record read again and the item closed or
  withdrawn in OA at once if the hub did so meanwhile. So a push that waited in a delay tier (OA answered 503), or a
  dead letter replayed, after the work order was cancelled or closed cannot open an item nothing would ever close
  again. An outage notice's to-read is never withdrawn (its clearance is news) and never checked.
* ``nsp.OutageNotice`` (broadcast): each manager of an affected area (``AreaManagers``), and each manager told of
  an earlier version of the notice, gets a to-read item, sent as its own ``oa.PushToRead`` command through
  ``outbound`` (step ``to-read-<user>``: one idempotent command per manager, retried on its own): a revision that
  moves the notice to another area, and the clearance, reach the managers of the area it left. Newest version
  wins, as on the bulletin (``versions``): a revision older than the one kept (a stale ACTIVE after the
  clearance), a same-revision variant sent before the kept one (the original after its correction) or the same
  one unchanged pushes nothing; a push that is not the version announced last for its item is skipped, whichever
  OA worker process runs it, and one item's pushes never overlap, so an older version never lands after a newer
  one. A notice's to-read reaches OA under a MessageId derived from what it shows and from the push's id
  (``mapping.versioned_push``).

Dependencies (by name): ``oa`` (``OaClient``), ``area_managers`` (``AreaManagers``), ``to_read_versions``
(``ToReadVersions``), ``closed_items`` (``ClosedItems``), built by ``adapters.oa.wiring``; ``outbound`` is the worker's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from lxml import etree

from adapters.oa import mapping
from adapters.oa.client import OaClient
from adapters.oa.closed_items import ClosedItems
from adapters.oa.readers import AreaManagers
from adapters.oa.versions import NoticeVersion, ToReadVersions
from hub.envelope import Envelope
from hub.gateways import SystemRefused
from hub.routing.outbound import derive_message_id
from hub.workers import BusinessRejection, HandlerRegistry, Sender

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "oa"
NOT_OPEN = frozenset({"already-closed", "unknown-item"})  # OA's refusals: no open item to close (withdraw)
log = logging.getLogger("onepoint.adapters.oa")

handlers = HandlerRegistry()


def _ended_in_oa(post: Callable[[etree._Element], object], document: etree._Element, message_id: str, kind: str,
                 verb: str) -> str | None:
    """Post ``document`` ending a ``kind`` ("to-do", "to-read") in OA: None once ended, OA's code when it had the item
    not open (nothing to ``verb``); any other refusal fails."""
    try:
        post(document)
    except SystemRefused as exc:
        if exc.error_code not in NOT_OPEN:
            raise
        log.info(f"{kind} not open in OA: nothing to {verb}", extra={
            "message_id": message_id, "item_id": document.findtext(f"{{{mapping.OA_NS}}}ItemId"),
            "reason": exc.detail})
        return exc.error_code
    return None


def _close_in_oa(oa: OaClient, document: etree._Element, message_id: str) -> str | None:
    """Post the hub's CompleteTodo ``document``: None once closed, OA's code when it had the to-do not open."""
    return _ended_in_oa(oa.complete_todo, document, message_id, "to-do", "close")


def _close_pushed(envelope: Envelope, oa: OaClient, document: etree._Element) -> str | None:
    """Close in OA the to-do this push puts there (the hub closed it); MessageId derived from the push's."""
    closing = mapping.closing_document(document, derive_message_id(envelope.message_id, "hub-closed", CONSUMER),
                                       "closed by the hub: its work order no longer needs it")
    return _close_in_oa(oa, closing, envelope.message_id)


def _push_unless_closed(envelope: Envelope, closed_items: ClosedItems, document: etree._Element, kind: str,
                        verb: str, push: Callable[[], str | None], undo: Callable[[], object]) -> str:
    """Push ``document`` (a ``kind``, "to-do" or "to-read") unless the hub ``verb`` ("closed", "withdrawn") its item
    already, undoing in OA what an earlier attempt's push may have put there unseen (a lost answer); ``undo`` at once
    if the hub did so while it was pushed. ``push`` returns OA's item id."""
    item_id = document.findtext(f"{{{mapping.OA_NS}}}ItemId") or ""
    facts = {"message_id": envelope.message_id, "item_id": item_id}
    if closed_items.is_closed(item_id):
        log.info(f"{kind} {verb} by the hub already: not pushed", extra=facts)
        undo()
        return f"{kind} {item_id}: {verb} by the hub already, not pushed"
    pushed = push()
    if closed_items.is_closed(item_id):
        log.info(f"{kind} {verb} by the hub while it was pushed: {verb} in OA at once", extra=facts)
        undo()
        return f"{kind} {item_id}: {verb} by the hub while it was pushed, {verb} in OA at once"
    return f"{kind} {pushed or '(no item id)'}"


@handlers.handler("oa.PushTodo", consumer=CONSUMER)
def push_todo(envelope: Envelope, oa: OaClient, closed_items: ClosedItems) -> str:
    """Push the to-do, unless the hub closed it already; closed at once if the hub closed it while it was pushed."""
    document = mapping.push_document(envelope)
    return _push_unless_closed(envelope, closed_items, document, "to-do", "closed",
                               lambda: oa.push_todo(document).item_id, lambda: _close_pushed(envelope, oa, document))


def _withdraw_pushed(envelope: Envelope, oa: OaClient, document: etree._Element) -> None:
    """Withdraw in OA the to-read this push puts there (the hub withdrew it); MessageId derived from the push's."""
    withdrawal = mapping.withdrawal_document(document, derive_message_id(envelope.message_id, "hub-withdrawn",
                                                                        CONSUMER))
    _withdraw_in_oa(oa, withdrawal, envelope.message_id)


def _push_work_order_to_read(envelope: Envelope, oa: OaClient, closed_items: ClosedItems,
                             document: etree._Element) -> str:
    """A work order's to-read, unless the hub withdrew it already; withdrawn at once if it did so meanwhile."""
    return _push_unless_closed(envelope, closed_items, document, "to-read", "withdrawn",
                               lambda: oa.push_to_read(document).item_id,
                               lambda: _withdraw_pushed(envelope, oa, document))


@handlers.handler("oa.PushToRead", consumer=CONSUMER)
def push_to_read(envelope: Envelope, oa: OaClient, to_read_versions: ToReadVersions,
                 closed_items: ClosedItems) -> str:
    """Push the to-read: a work order's unless the hub withdrew it (as a to-do's, ``push_todo``); a notice's only
    if it is the version its item must show and OA does not show yet."""
    document = mapping.versioned_push(mapping.push_document(envelope), envelope.message_id)
    if not mapping.is_notice_to_read(document):
        return _push_work_order_to_read(envelope, oa, closed_items, document)
    item_id = document.findtext(f"{{{mapping.OA_NS}}}ItemId") or ""
    ids = (mapping.to_read_message_id(document, envelope.message_id), mapping.content_message_id(document))
    with to_read_versions.pushing(item_id, *ids) as wanted:
        if not wanted:
            log.info("to-read overtaken: a newer version of the item (or this one) is in OA already", extra={
                "message_id": envelope.message_id, "item_id": item_id})
            return f"to-read {item_id}: overtaken (a newer version, or this one, is in OA already), not pushed"
        pushed = oa.push_to_read(document)
    return f"to-read {pushed.item_id or '(no item id)'}"


@handlers.handler("oa.CompleteTodo", consumer=CONSUMER)
def complete_todo(envelope: Envelope, oa: OaClient, closed_items: ClosedItems) -> str:
    """The hub closes a to-do (an escalation's, a dispatched department's) its work order no longer needs: recorded
    first (a push of it still to come is not made), then closed in OA; one OA has not open (its user completed it
    meanwhile, or it has not arrived: the record stops it) is nothing to close."""
    document = mapping.push_document(envelope)
    item_id = document.findtext(f"{{{mapping.OA_NS}}}ItemId") or ""
    closed_items.record(item_id)
    not_open = _close_in_oa(oa, document, envelope.message_id)
    if not_open is not None:
        return f"to-do {item_id}: not open in OA ({not_open}), nothing to close"
    return f"to-do {item_id} closed"


def _withdraw_in_oa(oa: OaClient, document: etree._Element, message_id: str) -> str | None:
    """Post the WithdrawToRead ``document``: None once withdrawn, OA's code when it had the to-read not open."""
    return _ended_in_oa(oa.withdraw_to_read, document, message_id, "to-read", "withdraw")


@handlers.handler("oa.WithdrawToRead", consumer=CONSUMER)
def withdraw_to_read(envelope: Envelope, oa: OaClient, closed_items: ClosedItems) -> str:
    """The hub withdraws a work order's to-read nobody needs any more: recorded first (a push of it still to come,
    from a delay tier or a replayed dead letter, is not made), then posted to OA as it came; one OA has not open
    (read by its user, withdrawn already, not arrived yet: the record stops it) is nothing to withdraw, any other
    refusal fails."""
    document = mapping.push_document(envelope)
    item_id = document.findtext(f"{{{mapping.OA_NS}}}ItemId") or ""
    closed_items.record(item_id)
    not_open = _withdraw_in_oa(oa, document, envelope.message_id)
    if not_open is not None:
        return f"to-read {item_id}: not open in OA ({not_open}), nothing to withdraw"
    return f"to-read {item_id} withdrawn"


def _to_read_step(user: str) -> str:
    """The step of the send of a notice's to-read to ``user`` (it derives the push's message id)."""
    return f"to-read-{user}"


@handlers.handler("nsp.OutageNotice", consumer=CONSUMER)
def outage_notice(envelope: Envelope, outbound: Sender, area_managers: AreaManagers,
                  to_read_versions: ToReadVersions) -> str:
    """Each manager of the notice's areas, and each one told of it before, gets a to-read of this version. One sent
    without a Revision (a clearance: of the kept revision) is resolved in the judgement's transaction (``offer``'s
    ``resolve``), so a revision another worker accepted meanwhile is the one it clears."""
    try:
        notice = mapping.outage_notice(envelope)
    except mapping.InconsistentNotice as exc:
        raise BusinessRejection(str(exc), code="inconsistent-notice") from exc
    sent = notice
    if not sent.revision_given:  # a first reading; the judgement resolves it again (`resolve`)
        notice = sent.with_revision(to_read_versions.kept_revision(sent.notice_id))
    link = area_managers.link_for(notice.notice_id)
    documents: dict[str, etree._Element] = {}

    def resolve(kept_revision: int | None) -> tuple[NoticeVersion, str]:
        """What a notice sent without a Revision stands for, resolved in the judgement's transaction: another
        worker may have accepted a newer revision since the first reading, and a clearance clears that one."""
        nonlocal notice
        notice = sent.with_revision(kept_revision)
        documents.clear()  # none is built before the judgement; any would be of the first reading
        return NoticeVersion(notice.revision, notice.cleared), notice.fingerprint()

    def document_for(user: str) -> etree._Element:
        if user not in documents:
            documents[user] = mapping.to_read_document(notice, user, link)
        return documents[user]

    def announced(user: str) -> tuple[str, str]:
        push_id = outbound.message_id(_to_read_step(user))
        return mapping.to_read_item_id(notice, user), mapping.to_read_message_id(document_for(user), push_id)

    managers = area_managers.managers_of(notice.area_codes)
    offered = to_read_versions.offer(notice.notice_id, NoticeVersion(notice.revision, notice.cleared),
                                     notice.fingerprint(), envelope.message_id,
                                     sent_at=mapping.notice_sent_at(envelope), managers=managers, announce=announced,
                                     resolve=None if sent.revision_given else resolve)
    facts = {"message_id": envelope.message_id, "notice_id": notice.notice_id, "revision": notice.revision,
             "status": notice.status, "areas": list(notice.area_codes)}
    if offered.verdict != "newer":
        log.info("outage notice: %s, no to-read pushed", offered.verdict, extra=facts)
        return f"{notice.notice_id} r{notice.revision} {notice.status}: {offered.verdict}, no to-read pushed"
    for user in offered.recipients:
        outbound.send(document_for(user), step=_to_read_step(user))
    facts["managers"] = len(offered.recipients)
    facts["told_before"] = len([user for user in offered.recipients if user not in managers])
    if not offered.recipients:
        log.warning("outage notice: no OA manager for its areas", extra=facts)
        return f"{notice.notice_id} r{notice.revision}: no manager for areas {', '.join(notice.area_codes)}"
    log.info("outage notice: to-read items sent", extra=facts)
    return f"{notice.notice_id} r{notice.revision}: to-read for {', '.join(offered.recipients)}"
