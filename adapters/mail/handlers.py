"""The mail adapter's handlers (queue ``mail``).

* ``mail.DispatchMail`` (a command): the work order dispatched to an offline department, written as one e-mail
  (``adapters.mail.mapping``) and handed to the SMTP server (``adapters.mail.client``); the outcome names the work
  order, the dispatch and the mailbox masked. A server that is down is retried on the delay tiers, then the
  dispatch is dead-lettered (``onepoint dlq``), never lost.
* ``mail.WithdrawMail`` (a command): that dispatch ended (the work order cancelled, the dispatch marked invalid,
  escalated away ...): the short mail telling the handler no answer is needed, sent the same way.

Dependencies (by name): ``mail`` (``MailClient``) and ``mail_settings`` (``MailSettings``: the sender and the
token key), built by ``adapters.mail.wiring``.
"""

from __future__ import annotations

import logging

from adapters.mail.client import MailClient
from adapters.mail.mapping import dispatch_facts, dispatch_message, withdraw_message
from hub.config.mail import MailSettings
from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.observability.masking import mask_mailbox
from hub.workers import HandlerRegistry

__all__ = ["CONSUMER", "dispatch_mail", "handlers", "withdraw_mail"]

CONSUMER = "mail"
log = logging.getLogger("onepoint.adapters.mail")

handlers = HandlerRegistry()


@handlers.handler("mail.DispatchMail", consumer=CONSUMER)
def dispatch_mail(envelope: Envelope, mail: MailClient, mail_settings: MailSettings) -> str:
    document = command_element(envelope)
    facts = dispatch_facts(document)
    message = dispatch_message(document, sender=mail_settings.sender, key=mail_settings.token_key)
    mail.send(message)
    masked = mask_mailbox(facts.mailbox)
    log.info("dispatch e-mailed to an offline department", extra={
        "message_id": envelope.message_id, "work_order_id": facts.work_order_id, "dispatch": facts.dispatch,
        "department": facts.department, "mailbox": masked})
    return f"{facts.work_order_id} dispatch {facts.dispatch} e-mailed to {facts.department} ({masked})"


@handlers.handler("mail.WithdrawMail", consumer=CONSUMER)
def withdraw_mail(envelope: Envelope, mail: MailClient, mail_settings: MailSettings) -> str:
    document = command_element(envelope)
    facts = dispatch_facts(document)
    mail.send(withdraw_message(document, sender=mail_settings.sender, key=mail_settings.token_key),
              operation="WithdrawMail")
    masked = mask_mailbox(facts.mailbox)
    log.info("e-mailed dispatch withdrawn", extra={
        "message_id": envelope.message_id, "work_order_id": facts.work_order_id, "dispatch": facts.dispatch,
        "department": facts.department, "mailbox": masked})
    return f"{facts.work_order_id} dispatch {facts.dispatch} withdrawn from {facts.department} ({masked})"
