"""``MailClient``: the hub's SMTP client (stdlib ``smtplib``), one connection per mail sent.

Failures are told apart as the gateways tell a system's apart (``hub.gateways.failures``): a server that cannot be
reached, that drops the connection, times out or answers 4xx (try later: greylisting, a full queue) is
``SystemUnavailable`` (the worker retries on its delay tiers, then dead-letters: the dispatch is never lost); a
server that refuses for good (5xx: an unknown mailbox, a mail refused as spam) is ``SystemRefused`` (dead-lettered
at once with the server's reason). Every e-mail address is masked in every reason, the server's own text included
(Postfix, Exim and Exchange echo the recipient in theirs; the reasons end up in logs and dead letters).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from hub.config.mail import MailSettings
from hub.gateways.failures import SystemRefused, SystemUnavailable
from hub.observability.masking import mask_mailbox, mask_mailboxes_in

__all__ = ["MAIL_SYSTEM", "MailClient"]

MAIL_SYSTEM = "MAIL"
OPERATION = "DispatchMail"


def _said(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return mask_mailboxes_in(f"{code} {said}"[:600])[:300]  # servers echo the recipient: masked (the module)


class MailClient:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def _failure(self, exc: Exception, recipient: str, operation: str = OPERATION) -> Exception:
        where = f"SMTP {self.settings.smtp_host}:{self.settings.smtp_port}, to {mask_mailbox(recipient)}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, text = next(iter(exc.recipients.values()), (550, b"refused"))
            return self._by_code(code, text, where, operation)
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._by_code(exc.smtp_code, exc.smtp_error, where, operation)
        return SystemUnavailable(MAIL_SYSTEM, operation,
                                 mask_mailboxes_in(f"{where}: {type(exc).__name__}: {exc}"[:800])[:400])

    @staticmethod
    def _by_code(code: int, text: bytes | str, where: str, operation: str) -> Exception:
        said = _said(code, text).replace("\n", " ")
        if 400 <= code < 500:
            return SystemUnavailable(MAIL_SYSTEM, operation, f"{where}: answered {said} (try later)")
        return SystemRefused(MAIL_SYSTEM, operation, str(code), f"{where}: {said}")

    def send(self, message: EmailMessage, operation: str = OPERATION) -> None:
        """Hand ``message`` to the SMTP server; raises ``SystemUnavailable`` or ``SystemRefused`` naming
        ``operation`` (the mail command it carries out: ``DispatchMail``, ``WithdrawMail``)."""
        recipient = str(message["To"])
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port,
                              timeout=self.settings.smtp_timeout) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise self._failure(exc, recipient, operation) from None

    def close(self) -> None:
        """Nothing is kept open between mails."""
