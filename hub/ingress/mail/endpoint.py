"""``POST /mail/inbound``: an offline department's answer, as the operator's mail server delivers it (an MTA piping
a mail to a webhook), ``Content-Type: message/rfc822``.

Authenticated as the XML ingress authenticates (HTTP Basic or a bearer token of a ``[[callers]]`` entry; the
development caller is ``MAIL``, token ``mail-dev-token``) and authorized the same way (``mail.AnswerMail`` among the
caller's ``commands``). The mail is capped (``[mail] max_answer_bytes``, else ``[limits] max_body_bytes``: 413),
read (``hub.ingress.mail.reading``), its dispatch found and checked (``hub.ingress.mail.hooks``), its answer cut
above the quote (``hub.ingress.mail.answer_text``), then sent on as a ``mail:AnswerMail`` through the acceptance path
every command takes (validated, routed to the workflow, answered by it). Its MessageId is derived from the mail's
Message-ID, so a mail delivered twice is taken once (200 with the first answer, or a DUPLICATE Ack).

401 no or bad credentials · 415 not message/rfc822, or a charset the hub cannot read · 413 too large or too many
parts · 400 a mail that cannot be read (no single From, no Message-ID) · 403 no token, a token not the dispatch's,
a sender that is no offline mailbox or not the one the dispatch went to · 422 no hook, no answer above the quote,
an automatic reply (``auto-reply``: an out-of-office notice, ``hub.ingress.mail.automatic``), or the workflow
refused it (a stale or finished dispatch: its c:Error) · 200 the workflow's AnswerMailResponse.
A refusal names the violation (``c:Error``, header ``X-OnePoint-Refusal``); nothing is sent on; the log names the
code, the work order and the sender masked, never the mail's text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio.to_thread
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from hub.config.mail import MailSettings
from hub.config.security import CallerConfig
from hub.ingress.acceptance import AckInfo, Admitted
from hub.ingress.body import read_capped_body
from hub.ingress.mail.answer_text import answer_text
from hub.ingress.mail.hooks import AnsweredDispatch, answered_dispatch
from hub.ingress.mail.reading import InboundMail, MailRefused, read_mail
from hub.ingress.outcomes import noted, refusal_for
from hub.ingress.refusals import error_document
from hub.ingress.xml.endpoint import XmlIngress, ack_document, error_response
from hub.observability.masking import mask_mailbox
from hub.security.throttle import SignInThrottled
from hub.validation.namespaces import COMMON_NS, MAIL_NS

__all__ = ["MAIL_MEDIA_TYPE", "MailIngress", "MailProgress", "answer_document", "mail_message_id"]

log = logging.getLogger("onepoint.ingress.mail")
MAIL_MEDIA_TYPE = "message/rfc822"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # text XML 1.0 cannot hold


def mail_message_id(message_id: str) -> str:
    """The command's MessageId for the mail's ``Message-ID``: the same for the same mail (its idempotency key)."""
    return "mail-" + hashlib.sha256(message_id.strip().encode("utf-8", "replace")).hexdigest()[:40]


def answer_document(mail: InboundMail, answered: AnsweredDispatch, answer: str, now: datetime) -> bytes:
    """The ``mail:AnswerMail`` of ``mail``'s ``answer`` to the dispatch ``answered``."""
    root = etree.Element(f"{{{MAIL_NS}}}AnswerMail", nsmap={"mail": MAIL_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{MAIL_NS}}}Header")
    etree.SubElement(header, f"{{{COMMON_NS}}}MessageId").text = mail_message_id(mail.message_id)
    etree.SubElement(header, f"{{{COMMON_NS}}}SourceSystem").text = "MAIL"
    etree.SubElement(header, f"{{{COMMON_NS}}}SentAt").text = now.isoformat(timespec="milliseconds")
    for name, value in (("WorkOrderId", answered.work_order_id), ("Dispatch", str(answered.dispatch)),
                        ("Department", answered.department), ("From", mail.sender),
                        ("MailMessageId", mail.message_id), ("Answer", answer)):
        etree.SubElement(root, f"{{{MAIL_NS}}}{name}").text = _NOT_XML.sub("\ufffd", value)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


@dataclass(slots=True)
class MailProgress:
    """How far a mail was read: for the log line of its refusal."""

    mail: InboundMail | None = None
    answered: AnsweredDispatch | None = None


class MailIngress:
    """The endpoint; ``xml``: the XML ingress whose authentication and acceptance path it shares."""

    def __init__(self, xml: XmlIngress, settings: MailSettings, max_bytes: int) -> None:
        self.xml = xml
        self.settings = settings
        self.max_bytes = settings.max_answer_bytes or max_bytes

    async def answer(self, body: bytes, caller: CallerConfig, progress: MailProgress,
                     peer: str | None = None, *, text_cap: bool = False) -> tuple[Admitted, AckInfo]:
        """The pipeline ``POST /mail/inbound`` and the inbox poller share: ``body`` read, its dispatch found and
        checked, its answer cut and sent on as ``caller``; raises `MailRefused` or the acceptance path's failure.
        ``progress`` keeps the mail and its dispatch as far as they were read (for the log of a refusal).
        ``text_cap``: ``body`` was capped as a whole mail (the inbox's, attachments included), so the text the
        answer is read from is capped here, as ``max_bytes`` caps a webhook's whole body: by the bytes the mail
        carried for it (``InboundMail.text_bytes``: transfer-decoded, in its own charset, not re-encoded)."""
        progress.mail = mail = await anyio.to_thread.run_sync(read_mail, body)
        if text_cap and mail.text_bytes > self.max_bytes:  # as the mail carried it, as a webhook's body is capped
            raise MailRefused(413, "too-large", f"the answer's text has {mail.text_bytes} bytes, more than "
                                                f"{self.max_bytes}")
        progress.answered = answered = answered_dispatch(mail, self.settings)
        answer = answer_text(mail.text)
        if not answer:
            raise MailRefused(422, "empty-answer", "nothing is written above the quoted dispatch mail")
        document = answer_document(mail, answered, answer, datetime.now(UTC))
        admitted = await self.xml.admit(document, "mail", caller, ingress="mail", peer=peer)
        ack = await self.xml.acceptance.accept(admitted.envelope)
        return admitted, ack

    def passed_on(self, admitted: Admitted, ack: AckInfo, progress: MailProgress) -> bytes | None:
        """The workflow's answer to a mail `answer` sent on, checked as every reply is (``Acceptance.pass_on``):
        its ``c:Error`` raises `ReplyRefusal` (a refusal for good, or the work-order store down: passing), a bad
        reply `BadReply`; only an answer that passes is logged taken. None for a DUPLICATE Ack (no reply)."""
        if ack.reply is None:
            return None
        answer_bytes = self.xml.acceptance.pass_on(admitted, ack)
        mail, answered = progress.mail, progress.answered
        log.info("answer mail taken", extra={
            "work_order_id": None if answered is None else answered.work_order_id,
            "dispatch": None if answered is None else answered.dispatch,
            "sender": None if mail is None else mask_mailbox(mail.sender),
            "message_id": admitted.envelope.message_id})
        return answer_bytes

    def refused(self, refused: MailRefused, progress: MailProgress) -> None:
        """Log a refusal: its code, the work order and the sender masked, never the mail's text."""
        mail, answered = progress.mail, progress.answered
        log.warning("answer mail refused", extra={
            "code": refused.code, "status": refused.status,
            "work_order_id": None if answered is None else answered.work_order_id,
            "sender": None if mail is None else mask_mailbox(mail.sender)})

    async def endpoint(self, request: Request) -> Response:
        progress = MailProgress()
        try:
            caller = await self.xml.authenticate(request)
            media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
            if media != MAIL_MEDIA_TYPE:
                return error_document(415, "unsupported-media-type",
                                      f"send the mail as {MAIL_MEDIA_TYPE}, not {media or 'no content type'!r}")
            body = await read_capped_body(request, self.max_bytes)
            admitted, ack = await self.answer(body, caller, progress,
                                              peer=request.client.host if request.client else None)
            answer_bytes = self.passed_on(admitted, ack, progress)
            if answer_bytes is not None:
                return Response(answer_bytes, status_code=200, media_type="application/xml")
        except MailRefused as refused:
            self.refused(refused, progress)
            return error_document(refused.status, refused.code, str(refused))
        except Exception as exc:  # every other failure is a refusal of the ingresses' kinds (refusal_for logs it)
            refusal = noted(request, refusal_for(exc, system="mail"))
            if isinstance(exc, SignInThrottled):
                await self.xml.throttle.hold()
            return error_response(refusal)
        return Response(ack_document(ack), status_code=200 if ack.status == "DUPLICATE" else 202,
                        media_type="application/xml")
