"""Which dispatch an answer mail answers: its subject's hook and reference, checked against its sender.

The subject must keep the dispatch mail's ``[WO#<id>]`` (``no-hook``, 422 without it) and ``[ref <n>-<token>]``
(``no-token``, 403: a reply naming only the work order is what a forger could write). The token must be the
one the hub gave that dispatch of that work order to an offline department at the sender's mailbox
(``hub.security.mail_tokens``): the sender is the mailbox the dispatch was e-mailed to, whether or not it is still
the department's mailbox in ``[mail.offline]`` (a desk's address changed while the dispatch was out: the handler
who holds it answers; the MAC over the mailbox proves the hub mailed it there). A sender that is neither an offline
department's mailbox now nor the one the token was given for is ``unknown-sender`` (403). A token the hub gave the
dispatch sent to another offline mailbox is ``wrong-sender`` (403: forwarded, or answered from a colleague's
address); any other is ``token-mismatch`` (403). No state is read: the token is a MAC under ``[mail] token_key``,
or, after a key change, under the previous key (``previous_token_key_env``: answers to dispatches mailed before).
Whether that dispatch is still the work order's current one the workflow judges (``hub.workflow.mail_answers``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.config.mail import MailSettings
from hub.ingress.mail.reading import InboundMail, MailRefused
from hub.security.mail_tokens import read_hook, read_reference, token_matches

__all__ = ["AnsweredDispatch", "answered_dispatch"]


@dataclass(frozen=True, slots=True)
class AnsweredDispatch:
    work_order_id: str
    dispatch: int
    department: str


def answered_dispatch(mail: InboundMail, settings: MailSettings) -> AnsweredDispatch:
    """The dispatch ``mail`` answers (see the module); raises ``MailRefused``."""
    work_order_id = read_hook(mail.subject)
    if work_order_id is None:
        raise MailRefused(422, "no-hook", "the subject names no work order ([WO#<id>]): answer by replying to the "
                                          "dispatch mail, keeping its subject")
    reference = read_reference(mail.subject)
    if reference is None:
        raise MailRefused(403, "no-token", f"the subject names work order {work_order_id} but carries no dispatch "
                                           "reference ([ref <n>-<token>]): keep the dispatch mail's subject")
    departments = settings.department_of(mail.sender)
    others = [department for department in settings.offline if department not in departments]
    for key in settings.answer_keys:  # the sender's departments first; any offline one: its mailbox since changed
        for department in (*departments, *others):
            if token_matches(key, work_order_id, reference, department, mail.sender):
                return AnsweredDispatch(work_order_id, reference.dispatch, department)
    if not departments:
        raise MailRefused(403, "unknown-sender", "the sender is no offline department's mailbox ([mail.offline]), "
                                                 "nor the one this dispatch was e-mailed to")
    for key in settings.answer_keys:
        for department, mailbox in settings.offline.items():
            if token_matches(key, work_order_id, reference, department, mailbox):
                raise MailRefused(403, "wrong-sender", f"dispatch {reference.dispatch} of work order "
                                                       f"{work_order_id} was e-mailed to {department}'s mailbox, not "
                                                       "to the sender")
    raise MailRefused(403, "token-mismatch", f"the reference [ref {reference.dispatch}-…] is not the one of dispatch "
                                             f"{reference.dispatch} of work order {work_order_id} to the sender (nor "
                                             "under a previous token key the hub knows: was the key changed?)")
