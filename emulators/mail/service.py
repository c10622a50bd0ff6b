"""What the mail emulator does: keep each mail its SMTP server received, and answer one as its handler would.

``receive`` (``POST /smtp/deliver``, from the SMTP server) keeps the mail. ``answer`` (``POST
/mail/messages/{id}/answer``, a tester's control) writes the handler's reply (``emulators.mail.replies``); with
``deliver = "imap"`` it puts it into the hub's IMAP inbox (``emulators.mail.imap``), by default it delivers it to
the hub's mail ingress, ``POST {hub}/mail/inbound`` with ``Content-Type: message/rfc822`` and the bearer token, as
the operator's mail server (an MTA piping mails to a webhook) would; the hub's HTTP answer (status, refusal code,
body) is what the tester gets back and what the mail's ``answers`` keep.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from typing import Any

import httpx

from emulators.mail.imap import DEFAULT_IMAP_LOGIN, ImapStore
from emulators.mail.replies import CHARSETS, answer_message
from emulators.mail.state import Mailbox, MailError, ReceivedMail
from emulators.toolkit import Clock
from emulators.toolkit.logs import emulator_logger, log_event

__all__ = ["DELIVERIES", "INBOUND_PATH", "MailService"]

INBOUND_PATH = "/mail/inbound"
REFUSAL_HEADER = "x-onepoint-refusal"
DELIVERIES = ("webhook", "imap")  # an answer posted to the hub's mail ingress, or put into its IMAP inbox
log = emulator_logger("mail")


class MailService:
    def __init__(self, *, clock: Clock, hub_url: str | None, hub_token: str | None, max_mails: int = 10_000,
                 timeout: float = 20.0, transport: httpx.BaseTransport | None = None,
                 imap_user: str = DEFAULT_IMAP_LOGIN[0]) -> None:
        self.clock = clock
        self.hub_url = hub_url.rstrip("/") if hub_url else None
        self.hub_token = hub_token
        self.mailbox = Mailbox(max_mails)
        self.timeout = timeout
        self.transport = transport
        self.inbox = ImapStore()  # the hub's IMAP inbox (emulators.mail.imap), the mailbox of ``imap_user``
        self.imap_user = imap_user

    def receive(self, raw: bytes, mail_from: str, rcpt_to: list[str]) -> ReceivedMail:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        mail = ReceivedMail(self.mailbox.next_id(), self.clock.now(), mail_from, rcpt_to, raw,
                            " ".join(str(parsed["Subject"] or "").split()), str(parsed["Message-ID"] or "").strip(),
                            str(parsed["X-OnePoint-Work-Order"] or "") or None)
        self.mailbox.add(mail)
        log_event(log, 20, "mail received", mail_id=mail.mail_id, work_order_id=mail.work_order_id,
                  recipients=len(rcpt_to))
        return mail

    def answer(self, mail_id: str, text: str, *, sender: str | None = None, charset: str = "utf-8",
               html: bool = False, subject: str | None = None, deliver: str = "webhook") -> dict[str, Any]:
        mail = self.mailbox.get(mail_id)
        if deliver not in DELIVERIES:
            raise MailError(400, "invalid-deliver", f"deliver must be one of {', '.join(DELIVERIES)}")
        if charset.lower() not in CHARSETS:
            raise MailError(400, "invalid-charset", f"charset must be one of {', '.join(CHARSETS)}")
        if not text.strip():
            raise MailError(400, "invalid-text", "the answer's text is empty")
        handler = sender or (mail.rcpt_to[0] if mail.rcpt_to else "handler@mail.test")
        try:
            reply = answer_message(mail.raw, text, sender=handler, now=datetime.fromtimestamp(self.clock.now(), UTC),
                                   charset=charset.lower(), html=html, subject=subject)
        except UnicodeEncodeError:
            raise MailError(400, "invalid-text", f"the answer cannot be written in {charset}") from None
        raw = reply.as_bytes(policy=email.policy.SMTP)
        outcome: dict[str, Any] = {"message_id": str(reply["Message-ID"]), "from": handler}
        if deliver == "imap":  # the hub's poller fetches it ([mail.inbox])
            outcome.update(status=None, outcome="in-inbox", uid=self.inbox.deliver(self.imap_user, raw))
        elif self.hub_url is None:
            outcome.update(status=None, outcome="skipped")
        else:
            outcome.update(self._deliver(raw))
        mail.answers.append(outcome)
        log_event(log, 20, "answer delivered to the hub", mail_id=mail_id, status=outcome.get("status"),
                  refusal=outcome.get("refusal"))
        return {**outcome, "mail": mail.mail_id, "raw": raw.decode("utf-8", "replace")}

    def _deliver(self, raw: bytes) -> dict[str, Any]:
        headers = {"content-type": "message/rfc822"}
        if self.hub_token:
            headers["authorization"] = f"Bearer {self.hub_token}"
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport, follow_redirects=False) as client:
                response = client.post(f"{self.hub_url}{INBOUND_PATH}", content=raw, headers=headers)
        except httpx.HTTPError as exc:
            return {"status": None, "outcome": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}
        return {"status": response.status_code, "outcome": "delivered" if response.is_success else "refused",
                "refusal": response.headers.get(REFUSAL_HEADER), "body": response.text[:4000]}

    def reset(self) -> None:
        self.mailbox.reset()
        self.inbox.reset()

    def state(self) -> dict[str, Any]:
        return {**self.mailbox.snapshot(), "imap": self.inbox.snapshot()}
