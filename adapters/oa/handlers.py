"""The OA adapter's handlers (queue ``oa``).

* ``oa.PushTodo`` / ``oa.PushToRead`` (commands): the item goes to OA; its ItemId is the outcome. The manager
  completes a to-do in OA later, and OA's ``oa.CompleteTodo`` comes back through the ingress to the workflow.
* ``nsp.OutageNotice`` (broadcast): each manager of an affected area (``AreaManagers``) gets a to-read item,
  sent as its own ``oa.PushToRead`` command through ``outbound`` (step ``to-read-<user>``: one idempotent command
  per manager, retried on its own, never pushed twice for one notice revision).

Dependencies (by name): ``oa`` (``OaClient``), ``area_managers`` (``AreaManagers``), built by
``adapters.oa.wiring``; ``outbound`` is the worker's.
"""

from __future__ import annotations

import logging

from adapters.oa import mapping
from adapters.oa.client import OaClient
from adapters.oa.readers import AreaManagers
from hub.envelope import Envelope
from hub.workers import BusinessRejection, HandlerRegistry, Sender

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "oa"
log = logging.getLogger("onepoint.adapters.oa")

handlers = HandlerRegistry()


@handlers.handler("oa.PushTodo", consumer=CONSUMER)
def push_todo(envelope: Envelope, oa: OaClient) -> str:
    pushed = oa.push_todo(mapping.push_document(envelope))
    return f"to-do {pushed.item_id or '(no item id)'}"


@handlers.handler("oa.PushToRead", consumer=CONSUMER)
def push_to_read(envelope: Envelope, oa: OaClient) -> str:
    pushed = oa.push_to_read(mapping.push_document(envelope))
    return f"to-read {pushed.item_id or '(no item id)'}"


@handlers.handler("nsp.OutageNotice", consumer=CONSUMER)
def outage_notice(envelope: Envelope, outbound: Sender, area_managers: AreaManagers) -> str:
    try:
        notice = mapping.outage_notice(envelope)
    except mapping.InconsistentNotice as exc:
        raise BusinessRejection(str(exc), code="inconsistent-notice") from exc
    managers = area_managers.managers_of(notice.area_codes)
    link = area_managers.link_for(notice.notice_id)
    for user in managers:
        outbound.send(mapping.to_read_document(notice, user, link), step=f"to-read-{user}")
    facts = {"message_id": envelope.message_id, "notice_id": notice.notice_id, "revision": notice.revision,
             "areas": list(notice.area_codes), "managers": len(managers)}
    if not managers:
        log.warning("outage notice: no OA manager for its areas", extra=facts)
        return f"{notice.notice_id} r{notice.revision}: no manager for areas {', '.join(notice.area_codes)}"
    log.info("outage notice: to-read items sent", extra=facts)
    return f"{notice.notice_id} r{notice.revision}: to-read for {', '.join(managers)}"
