"""The CRM adapter's handlers (queue ``crm``).

* ``crm.NotifyAccountManager`` (a command): CRM notifies the customer's account manager; the NoticeId CRM recorded
  is the outcome (``notified AMN...``).
* ``nsp.OutageNotice`` (broadcast): becomes one ``crm.NotifyAreaOutage`` sent through ``outbound`` (step
  ``area-outage-<status>``: sent once per notice message and status, retried on its own).
* ``crm.NotifyAreaOutage`` (a command): CRM tells the account managers of the VIP and group customers in the
  affected areas; who was told and how many customers is the outcome. The command carries the notice's Revision
  (none for a clearance sent without one: CRM clears the revision it kept), Status and NoticeSentAt (when NSP sent
  it); CRM keeps the newest, so a stale revision arriving after the clearance (or sent before it), the original of
  a correction come after it, or a retry, tells nobody, and a revision or correction adding areas tells only the
  account managers not told yet. A notice with a time no ``datetime`` holds is refused (dead-lettered), as the
  bulletin and the workflow refuse it.

Dependency (by name): ``crm`` (``CrmClient``), built by ``adapters.crm.wiring``; ``outbound`` is the worker's.
"""

from __future__ import annotations

import logging

from adapters.crm.client import CrmClient
from adapters.crm.mapping import CRM_NS, area_outage_arguments, area_outage_document, notify_arguments
from hub.envelope import Envelope
from hub.workers import HandlerRegistry, Sender

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "crm"
log = logging.getLogger("onepoint.adapters.crm")

handlers = HandlerRegistry()


@handlers.handler("crm.NotifyAccountManager", consumer=CONSUMER)
def notify_account_manager(envelope: Envelope, crm: CrmClient) -> str:
    recorded = crm.notify_account_manager(notify_arguments(envelope))
    log.info("account manager notified", extra={"message_id": envelope.message_id, "notice_id": recorded.notice_id})
    return f"notified {recorded.notice_id or '(no notice id)'}"


@handlers.handler("nsp.OutageNotice", consumer=CONSUMER)
def outage_notice(envelope: Envelope, outbound: Sender) -> str:
    document = area_outage_document(envelope)
    notice_id, status = document.findtext(f"{{{CRM_NS}}}OutageNoticeId"), document.findtext(f"{{{CRM_NS}}}Status")
    sent = outbound.send(document, step=f"area-outage-{(status or '').lower()}")
    log.info("outage notice: CRM to tell the areas' account managers",
             extra={"message_id": envelope.message_id, "notice_id": notice_id, "status": status,
                    "sent": sent.message_id})
    return f"{notice_id} {status}: NotifyAreaOutage {sent.message_id} sent"


@handlers.handler("crm.NotifyAreaOutage", consumer=CONSUMER)
def notify_area_outage(envelope: Envelope, crm: CrmClient) -> str:
    arguments = area_outage_arguments(envelope)
    told = crm.notify_area_outage(arguments)
    what = f"{arguments['OutageNoticeId']} {arguments['Status']}"
    facts = {"message_id": envelope.message_id, "notice_id": arguments["OutageNoticeId"],
             "status": arguments["Status"], "managers": len(told.managers), "customers": told.affected_customers,
             "repeat": told.repeat}
    log.info("area outage told to CRM", extra=facts)
    if told.repeat:
        return f"{what}: told before ({len(told.managers)} account manager(s)); nobody told twice"
    if not told.managers:
        return f"{what}: no VIP or group customer in the areas; no account manager told"
    managers = ", ".join(m.account_manager_id for m in told.managers)
    return f"{what}: {len(told.managers)} account manager(s) told ({managers}), {told.affected_customers} customer(s)"
