"""``mail.AnswerMail``: an offline department's e-mailed answer, taken as its Reply (docs/offline-mail.md).

The hub's mail ingress (``POST /mail/inbound``) checked the mail's hook, token and sender before it sent this; here
the work order is checked against the dispatch the answer names, in the handler's transaction, and moved on as the
department's reply: the mail's sender and its own Message-ID recorded as field entries (``mail_from``,
``mail_message_id``: as NSP's reply is recorded before its START; the sender kept whole, shown masked:
``hub.workflow.history_mailboxes``), then the REPLY with system ``MAIL``, the answer
text (above the quoted dispatch) as its Result, the message id derived from the Message-ID as its causing message
(so the same mail delivered twice is one reply: the ingress answers the second DUPLICATE, and the workflow's
processed store holds the first answer).

Refused (the c:Error answer, which the ingress returns as 422, nothing written): a work order not dispatched by mail
(``not-dispatched-by-mail``), a finished one (``callback-not-expected``), an answer to an earlier dispatch or from a
department that no longer owns it (``stale-reply``), and whatever the lifecycle refuses (a PENDING work order
cannot be replied).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.routing.outbound import Sender
from hub.validation.namespaces import MAIL_NS
from hub.workers import BusinessRejection, HandlerRegistry, Reply
from hub.workflow import commands
from hub.workflow.answers import acknowledged_answer
from hub.workflow.changes import MAIL_SYSTEM
from hub.workflow.engine import WorkOrderRefused
from hub.workflow.history_mailboxes import MAIL_FROM_FIELD
from hub.workflow.lifecycle import FINAL, LifecycleAction
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.sending import send_follow_ups

__all__ = ["answer_mail", "register", "unexpected_answer"]

FINISHED = frozenset(state.value for state in FINAL)
log = logging.getLogger("onepoint.workflow")


def unexpected_answer(row: dict[str, Any], dispatch: int, department: str) -> WorkOrderRefused | None:
    """Why the work order ``row`` takes no e-mailed answer to its dispatch ``dispatch`` from ``department``; None
    when it does (its current dispatch went by mail to that department, which still owns it)."""
    work_order_id, state = row["id"], row["state"]
    if state in FINISHED:
        return WorkOrderRefused(f"work order {work_order_id} is {state.lower()}: no answer is expected",
                                code="callback-not-expected")
    if row.get("dispatch_system") != MAIL_SYSTEM:
        return WorkOrderRefused(f"work order {work_order_id} is dispatched to {row.get('dispatch_system') or 'nobody'}"
                                ", not by mail", code="not-dispatched-by-mail")
    current = int(row.get("invalid_dispatches") or 0) + 1
    if dispatch != current or state == "DISPATCH_REJECTED":
        return WorkOrderRefused(f"the answer is to dispatch {dispatch} of work order {work_order_id}; its current "
                                f"dispatch is {current} ({state})", code="stale-reply")
    if row.get("owner") != department:
        return WorkOrderRefused(f"the answer is {department}'s; work order {work_order_id} is owned by {row['owner']}",
                                code="stale-reply")
    return None


def _answer_document(envelope: Envelope, row: dict[str, Any], now: datetime) -> etree._Element:
    root = acknowledged_answer("AnswerMailResponse", envelope, now, namespace=MAIL_NS, prefix="mail")
    etree.SubElement(root, f"{{{MAIL_NS}}}WorkOrderId").text = str(row["id"])
    etree.SubElement(root, f"{{{MAIL_NS}}}State").text = str(row["state"])
    return root


def answer_mail(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> Reply:
    document = command_element(envelope)

    def text(name: str) -> str:
        return document.findtext(f"{{{MAIL_NS}}}{name}") or ""

    work_order_id, dispatch, department = text("WorkOrderId"), int(text("Dispatch")), text("Department")
    tx, now = workflow.store.current_transaction(), workflow.clock.now()

    def expected(row: dict[str, Any]) -> None:
        refusal = unexpected_answer(row, dispatch, department)
        if refusal is not None:
            raise refusal

    try:
        workflow.engine.note(tx, work_order_id,
                             {MAIL_FROM_FIELD: text("From"), "mail_message_id": text("MailMessageId")},
                             actor=department, system=MAIL_SYSTEM, now=now, message_id=envelope.message_id,
                             note=f"answered by e-mail (dispatch {dispatch})", expected=expected)
        request = commands.ActionRequest(work_order_id, LifecycleAction.REPLY, department, MAIL_SYSTEM,
                                         {"Result": text("Answer")[:commands.NOTE_LENGTH]},
                                         message_id=envelope.message_id)
        changed = workflow.engine.act(tx, request, now)
    except WorkOrderRefused as exc:
        workflow.refused(exc.code)
        raise BusinessRejection(f"{exc.code}: {exc}", code=exc.code) from None
    workflow.counted(LifecycleAction.REPLY.value)
    send_follow_ups(changed.follow_ups, outbound, workflow, department, work_order_id=work_order_id)
    log.info("e-mailed answer taken as the department's reply",
             extra={"message_id": envelope.message_id, "work_order_id": work_order_id, "department": department})
    return Reply(_answer_document(envelope, changed.row, now),
                 outcome=f"mail answer {changed.previous_state.value} -> {changed.row['state']}")


def register(registry: HandlerRegistry, consumer: str) -> None:
    """The handler on ``registry``, for ``consumer``'s queue."""
    registry.add("mail.AnswerMail", answer_mail, consumer=consumer)
