"""The history's field entries that hold a person's e-mail address, and how they are shown outside the store.

An offline department's dispatch records the handler's mailbox it was e-mailed to (``mail_sent_to``,
``<work order>-dsp<n>: <mailbox>``: ``hub.workflow.mail_mailboxes``) and its e-mailed answer records the sender
(``mail_from``: ``hub.workflow.mail_answers``). The store keeps them whole (a withdrawal goes to the mailbox the
dispatch went to), but wherever the hub shows a work order's history (QueryWorkOrder's ``wo:History``,
``onepoint workorders show`` unless ``--unmasked``) the address is masked as the logs, dead letters and mail
ingress mask one (``hub.observability.masking.mask_mailbox``: ``b***@example.com``), the dispatch's key kept.
"""

from __future__ import annotations

from hub.observability.masking import mask_mailbox

__all__ = ["MAILBOX_FIELDS", "MAIL_FROM_FIELD", "MAIL_SENT_TO_FIELD", "shown_value"]

MAIL_SENT_TO_FIELD = "mail_sent_to"  # "<work order>-dsp<n>: <mailbox>": the handler a dispatch was e-mailed to
MAIL_FROM_FIELD = "mail_from"  # the sender of the e-mailed answer taken as the department's reply
MAILBOX_FIELDS = frozenset({MAIL_SENT_TO_FIELD, MAIL_FROM_FIELD})


def shown_value(field: object, value: str) -> str:
    """A history field entry's value as shown outside the store: a mailbox field's address masked (the dispatch's
    key of ``mail_sent_to`` kept), any other value as it is."""
    if field == MAIL_SENT_TO_FIELD:
        key, said, mailbox = value.partition(": ")
        return f"{key}: {mask_mailbox(mailbox)}" if said else mask_mailbox(value)
    if field == MAIL_FROM_FIELD:
        return mask_mailbox(value)
    return value
