"""The CRM adapter's handler (queue ``crm``): ``crm.NotifyAccountManager`` → CRM notifies the account manager.

A command, not a request: the effect is the notice CRM recorded; its NoticeId is the recorded outcome
(``notified AMN...``). Dependency (by name): ``crm`` (``CrmClient``), built by ``adapters.crm.wiring``.
"""

from __future__ import annotations

import logging

from adapters.crm.client import CrmClient
from adapters.crm.mapping import notify_arguments
from hub.envelope import Envelope
from hub.workers import HandlerRegistry

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "crm"
log = logging.getLogger("onepoint.adapters.crm")

handlers = HandlerRegistry()


@handlers.handler("crm.NotifyAccountManager", consumer=CONSUMER)
def notify_account_manager(envelope: Envelope, crm: CrmClient) -> str:
    recorded = crm.notify_account_manager(notify_arguments(envelope))
    log.info("account manager notified", extra={"message_id": envelope.message_id, "notice_id": recorded.notice_id})
    return f"notified {recorded.notice_id or '(no notice id)'}"
