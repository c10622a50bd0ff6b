"""The OA adapter's handlers (queue ``oa``).

* ``oa.PushTodo`` / ``oa.PushToRead`` (commands): the item goes to OA; its ItemId is the outcome. The manager
  completes a to-do in OA later, and OA's ``oa.CompleteTodo`` comes back through the ingress to the workflow.
* ``oa.CompleteTodo`` from the hub (routed here by its source, ``HUB``): a to-do its work order no longer needs is
  closed in OA, an escalation's (finished, or superseded by a higher level: ``hub.workflow.todos``) or a dispatched
  department's (``<work order>-dsp<n>``: its part over, ``hub.workflow.department_todos``); one OA has not open
  (``already-closed``, ``unknown-item``) is nothing to close.
* ``nsp.OutageNotice`` (broadcast): each manager of an affected area (``AreaManagers``) gets a to-read item,
  sent as its own ``oa.PushToRead`` command through ``outbound`` (step ``to-read-<user>``: one idempotent command
  per manager, retried on its own). Newest revision wins, as on the bulletin (``versions``): a revision older than
  the one kept (a stale ACTIVE after the clearance) or the same one unchanged pushes nothing; a push overtaken by
  a newer one of the same item (the worker's threads run them concurrently) is skipped, never lands after it.
  A notice's to-read reaches OA under a MessageId derived from what it shows (``mapping.versioned_push``).

Dependencies (by name): ``oa`` (``OaClient``), ``area_managers`` (``AreaManagers``), ``to_read_versions``
(``ToReadVersions``), built by ``adapters.oa.wiring``; ``outbound`` is the worker's.
"""

from __future__ import annotations

import logging

from adapters.oa import mapping
from adapters.oa.client import OaClient
from adapters.oa.readers import AreaManagers
from adapters.oa.versions import NoticeVersion, ToReadVersions
from hub.envelope import Envelope
from hub.gateways import SystemRefused
from hub.routing.outbound import derive_message_id
from hub.workers import BusinessRejection, HandlerRegistry, Sender

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "oa"
NOT_OPEN = frozenset({"already-closed", "unknown-item"})  # OA's refusals of a CompleteTodo for no open to-do
log = logging.getLogger("onepoint.adapters.oa")

handlers = HandlerRegistry()


@handlers.handler("oa.PushTodo", consumer=CONSUMER)
def push_todo(envelope: Envelope, oa: OaClient) -> str:
    pushed = oa.push_todo(mapping.push_document(envelope))
    return f"to-do {pushed.item_id or '(no item id)'}"


@handlers.handler("oa.PushToRead", consumer=CONSUMER)
def push_to_read(envelope: Envelope, oa: OaClient, to_read_versions: ToReadVersions) -> str:
    document = mapping.versioned_push(mapping.push_document(envelope))
    with to_read_versions.pushing(envelope.message_id) as wanted:
        if not wanted:
            item_id = document.findtext(f"{{{mapping.OA_NS}}}ItemId")
            log.info("to-read overtaken: a newer version of the item (or this one) is in OA already", extra={
                "message_id": envelope.message_id, "item_id": item_id})
            return f"to-read {item_id}: overtaken (a newer version, or this one, is in OA already), not pushed"
        pushed = oa.push_to_read(document)
    return f"to-read {pushed.item_id or '(no item id)'}"


@handlers.handler("oa.CompleteTodo", consumer=CONSUMER)
def complete_todo(envelope: Envelope, oa: OaClient) -> str:
    """The hub closes a to-do (an escalation's, a dispatched department's) its work order no longer needs; one OA no
    longer has open (its user completed it meanwhile, or it never arrived) is nothing to close."""
    document = mapping.push_document(envelope)
    item_id = document.findtext(f"{{{mapping.OA_NS}}}ItemId")
    try:
        oa.complete_todo(document)
    except SystemRefused as exc:
        if exc.error_code not in NOT_OPEN:
            raise
        log.info("to-do not open in OA: nothing to close", extra={
            "message_id": envelope.message_id, "item_id": item_id, "reason": exc.detail})
        return f"to-do {item_id}: not open in OA ({exc.error_code}), nothing to close"
    return f"to-do {item_id} closed"


@handlers.handler("nsp.OutageNotice", consumer=CONSUMER)
def outage_notice(envelope: Envelope, outbound: Sender, area_managers: AreaManagers,
                  to_read_versions: ToReadVersions) -> str:
    try:
        notice = mapping.outage_notice(envelope)
    except mapping.InconsistentNotice as exc:
        raise BusinessRejection(str(exc), code="inconsistent-notice") from exc
    notice = notice.with_revision(to_read_versions.kept_revision(notice.notice_id))
    verdict, sequence = to_read_versions.offer(notice.notice_id, NoticeVersion(notice.revision, notice.cleared),
                                               notice.fingerprint(), envelope.message_id)
    facts = {"message_id": envelope.message_id, "notice_id": notice.notice_id, "revision": notice.revision,
             "status": notice.status, "areas": list(notice.area_codes)}
    if verdict != "newer":
        log.info("outage notice: %s, no to-read pushed", verdict, extra=facts)
        return f"{notice.notice_id} r{notice.revision} {notice.status}: {verdict}, no to-read pushed"
    managers = area_managers.managers_of(notice.area_codes)
    link = area_managers.link_for(notice.notice_id)
    for user in managers:
        step = f"to-read-{user}"
        to_read_versions.announce(derive_message_id(envelope.message_id, step, CONSUMER),
                                  mapping.to_read_item_id(notice, user), sequence)
        outbound.send(mapping.to_read_document(notice, user, link), step=step)
    facts["managers"] = len(managers)
    if not managers:
        log.warning("outage notice: no OA manager for its areas", extra=facts)
        return f"{notice.notice_id} r{notice.revision}: no manager for areas {', '.join(notice.area_codes)}"
    log.info("outage notice: to-read items sent", extra=facts)
    return f"{notice.notice_id} r{notice.revision}: to-read for {', '.join(managers)}"
