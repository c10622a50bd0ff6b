"""``mail:DispatchMail`` → the e-mail a department's handler gets (RFC 5322, stdlib ``email``, policy default).

The subject carries the work order's hook and the dispatch's reference (``hub.security.mail_tokens``:
``[WO#<id>] Dispatched to <department>: <phenomenon> [ref <n>-<token>]``), the body the work order's fields, the
template's dispatch fields, the reply limit, the agent's instructions, the description and how to answer: above
the marker line, keeping the subject, from the mailbox the mail went to. Nothing is masked in the mail (the handler
must call the customer); the logs never hold its body. The Message-ID is the dispatch's own (its work order,
number and token), so a retried send is the same mail to the receiving server and to the handler's client.
Both mails say they were sent by a program (``Auto-Submitted: auto-generated``, ``X-Auto-Response-Suppress: OOF,
AutoReply``), so a handler's out-of-office responder does not answer them (the hub refuses such a notice anyway:
``hub.ingress.mail.automatic``).

``mail:WithdrawMail`` → the short mail that tells the handler the dispatch ended (``[WO#<id>] no longer needed:
<reason>``): the hook kept and ``In-Reply-To``/``References`` naming the dispatch's mail, so the handler's client
threads the two; no reference (no answer is expected: one is refused for want of it, as for a stale dispatch). Its
Message-ID is the withdrawal's own (``<work order>.<n>.withdrawn``): a retried send is the same mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from lxml import etree

from hub.security.mail_tokens import dispatch_subject, dispatch_token
from hub.validation.instants import read_instant
from hub.validation.namespaces import COMMON_NS, MAIL_NS

__all__ = ["ANSWER_MARK", "DispatchMailFacts", "dispatch_facts", "dispatch_message", "withdraw_message"]

ANSWER_MARK = "##- Please type your answer above this line / 请在此行以上回复 -##"


@dataclass(frozen=True, slots=True)
class DispatchMailFacts:
    """What the adapter logs of a dispatch mail (the mailbox masked by the caller), and its headers' keys."""

    work_order_id: str
    dispatch: int
    department: str
    mailbox: str


def _text(document: etree._Element, name: str) -> str:
    return (document.findtext(f"{{{MAIL_NS}}}{name}") or "").strip()


def dispatch_facts(document: etree._Element) -> DispatchMailFacts:
    return DispatchMailFacts(_text(document, "WorkOrderId"), int(_text(document, "Dispatch")),
                             _text(document, "Department"), _text(document, "Mailbox"))


def _body(document: etree._Element, facts: DispatchMailFacts) -> str:
    lines = [ANSWER_MARK, "",
             f"Work order {facts.work_order_id} is dispatched to {facts.department} (dispatch {facts.dispatch}).",
             "",
             "To answer: reply to this e-mail, type your answer ABOVE the marker line, keep the subject as it is",
             f"([WO#...] and [ref ...] name this dispatch) and send it from {facts.mailbox}. The quoted text",
             "below your answer is left out; answers from another address or without the reference are refused.",
             "回复方法：直接回复本邮件，在标记行以上填写处理结果，保留邮件主题，并从本邮箱发送。", ""]
    for label, name in (("Reply due", "ReplyDue"), ("Priority", "Priority"), ("Category", "CategoryCode"),
                        ("Phenomenon", "Phenomenon"), ("Customer number", "Msisdn"),
                        ("Contact number", "ContactNumber"), ("Work order page", "Link")):
        if value := _text(document, name):
            lines.append(f"{label + ':':<17}{value}")
    fields = [(_text(field, "Name"), _text(field, "Value")) for field in document.iterfind(f"{{{MAIL_NS}}}Field")]
    if fields:
        lines += ["", "Dispatch fields:", *(f"  {name}: {value}" for name, value in fields)]
    checks = [check for e in document.iterfind(f"{{{MAIL_NS}}}CheckDone") if (check := (e.text or "").strip())]
    if checks:  # made by the agent before dispatching: not to be repeated
        lines += ["", "Checks already made:", *(f"  - {check}" for check in checks)]
    for label, name in (("Instructions", "Instructions"), ("Description", "Description")):
        if value := _text(document, name):
            lines += ["", f"{label}:", *(f"  {line}" for line in value.splitlines())]
    return "\n".join(lines) + "\n"


def _addressed(document: etree._Element, facts: DispatchMailFacts, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = facts.mailbox
    sent_at = document.findtext(f"{{{MAIL_NS}}}Header/{{{COMMON_NS}}}SentAt")
    message["Date"] = format_datetime(read_instant(sent_at) if sent_at else datetime.now().astimezone())
    message["X-OnePoint-Work-Order"] = facts.work_order_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no responder answers it (an out-of-office notice)
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"  # Exchange's and Outlook's responders
    return message


def _dispatch_message_id(facts: DispatchMailFacts, token: str, sender: str) -> str:
    return f"<{facts.work_order_id}.{facts.dispatch}.{token}@{sender.rpartition('@')[2]}>"


def dispatch_message(document: etree._Element, *, sender: str, key: bytes) -> EmailMessage:
    """The e-mail of the ``mail:DispatchMail`` ``document``, from ``sender``, its token under ``key``."""
    facts = dispatch_facts(document)
    token = dispatch_token(key, facts.work_order_id, facts.dispatch, facts.department, facts.mailbox)
    title = f"Dispatched to {facts.department}: {_text(document, 'Phenomenon') or _text(document, 'CategoryCode')}"
    message = _addressed(document, facts, sender)
    message["Subject"] = dispatch_subject(facts.work_order_id, facts.dispatch, token, title)
    message["Message-ID"] = _dispatch_message_id(facts, token, sender)
    message.set_content(_body(document, facts), charset="utf-8")
    return message


def withdraw_message(document: etree._Element, *, sender: str, key: bytes) -> EmailMessage:
    """The e-mail of the ``mail:WithdrawMail`` ``document``, from ``sender``; ``key``: the dispatch's token's,
    for the dispatch mail's Message-ID it answers to (threading)."""
    facts = dispatch_facts(document)
    reason = _text(document, "Reason")
    token = dispatch_token(key, facts.work_order_id, facts.dispatch, facts.department, facts.mailbox)
    message = _addressed(document, facts, sender)
    message["Subject"] = f"[WO#{facts.work_order_id}] no longer needed: {reason}"
    dispatched = _dispatch_message_id(facts, token, sender)
    message["In-Reply-To"] = dispatched
    message["References"] = dispatched
    message["Message-ID"] = f"<{facts.work_order_id}.{facts.dispatch}.withdrawn@{sender.rpartition('@')[2]}>"
    message.set_content("\n".join([
        f"Work order {facts.work_order_id}, dispatched to {facts.department} (dispatch {facts.dispatch}),",
        f"no longer needs your answer: {reason}.", "",
        "Please stop working on it; an answer to it (or to this e-mail) is not taken.",
        "该工单已无需处理，请勿再回复。", ""]), charset="utf-8")
    return message
