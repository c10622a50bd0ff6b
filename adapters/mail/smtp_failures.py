"""What a failed SMTP exchange means for the mail it carried: try again, or give up (``smtp_failure``).

Told apart as the gateways tell a system's failures apart (``hub.gateways.failures``), and counted by the SMTP
server's circuit by the same rule (``hub.gateways.breaker``):

* a server that cannot be reached, drops the connection, times out, or closes the channel with ``421`` (service not
  available: the server says it cannot take mail from anyone now, as an HTTP 503) is ``SystemUnavailable``:
  retried, and every such failure counts toward opening the circuit;
* any other 4xx (``450``/``451``/``452``: greylisting, a local error on this mail, a full queue) is the server's
  answer that it failed on *this* mail, ``SystemFailed`` (an answered failure): retried, and counted once per mail
  in a failure streak, as a SOAP Server fault is, so one mail the server keeps deferring does not open the circuit
  alone;
* 5xx (an unknown mailbox, a mail refused as spam) is ``SystemRefused``: dead-lettered at once with the server's
  reason, and, a refusal proving the server up, never counted toward opening the circuit;
* ``SMTPNotSupportedError`` (no code: smtplib itself stops before sending, the server having answered but not
  offered what *this* mail needs: SMTPUTF8 for an internationalised mailbox such as ``张伟@example.com``) is
  ``SystemRefused`` too: the server will never take this mail, it is up, and the other mails must not wait for it.
  The hub's client uses no STARTTLS and no AUTH, the other causes of that error. Every other code-less error
  (``SMTPServerDisconnected``, a socket error) is the server not being reached: ``SystemUnavailable``; the ones
  with a code (``SMTPSenderRefused``, ``SMTPDataError``, ``SMTPHeloError``, ``SMTPConnectError``) go by the code.

Every e-mail address is masked in every reason, the server's own text included (Postfix, Exim and Exchange echo the
recipient in theirs; the reasons end up in logs and dead letters).
"""

from __future__ import annotations

import smtplib

from hub.gateways.failures import SystemFailed, SystemRefused, SystemUnavailable
from hub.observability.masking import mask_mailbox, mask_mailboxes_in

__all__ = ["MAIL_SYSTEM", "SERVICE_NOT_AVAILABLE", "SMTPUTF8", "smtp_failure"]

MAIL_SYSTEM = "MAIL"
SERVICE_NOT_AVAILABLE = 421  # RFC 5321: the server closes the channel, it takes no mail now
SMTPUTF8 = "SMTPUTF8"  # RFC 6531: the extension an internationalised mailbox needs; the refusal's code without it


def _said(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return mask_mailboxes_in(f"{code} {said}"[:600])[:300]  # servers echo the recipient: masked (the module)


def _by_code(code: int, text: bytes | str, where: str, operation: str) -> Exception:
    said = _said(code, text).replace("\n", " ")
    if code == SERVICE_NOT_AVAILABLE or not 400 <= code < 600:
        return SystemUnavailable(MAIL_SYSTEM, operation, f"{where}: answered {said} (try later)")
    if code < 500:
        return SystemFailed(MAIL_SYSTEM, operation, f"{where}: answered {said} (try later)", code=str(code),
                            detail=said.removeprefix(f"{code} "))
    return SystemRefused(MAIL_SYSTEM, operation, str(code), f"{where}: {said}")


def _not_supported(exc: smtplib.SMTPNotSupportedError, where: str, operation: str) -> Exception:
    said = mask_mailboxes_in(str(exc)[:600])[:300]
    if "SMTPUTF8" in said.upper():
        remedy = ("the withdrawal goes to the mailbox the dispatch went to: tell its handler another way, or use a "
                  "server with SMTPUTF8" if operation == "WithdrawMail" else
                  "give the department an ASCII mailbox in [mail.offline] or use a server with SMTPUTF8")
        return SystemRefused(MAIL_SYSTEM, operation, SMTPUTF8,
                             f"{where}: the server does not offer SMTPUTF8, which this internationalised (non-ASCII) "
                             f"mailbox needs; it can never take this mail: {remedy}")
    return SystemRefused(MAIL_SYSTEM, operation, "not supported", f"{where}: {said}")


def smtp_failure(exc: Exception, *, host: str, port: int, recipient: str, operation: str) -> Exception:
    """The classified failure of handing a mail to ``recipient`` to the server at ``host``:``port`` (``operation``:
    the mail command carried out, ``DispatchMail`` or ``WithdrawMail``)."""
    where = f"SMTP {host}:{port}, to {mask_mailbox(recipient)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (550, b"refused"))
        return _by_code(code, text, where, operation)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, exc.smtp_error, where, operation)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _not_supported(exc, where, operation)
    return SystemUnavailable(MAIL_SYSTEM, operation,
                             mask_mailboxes_in(f"{where}: {type(exc).__name__}: {exc}"[:800])[:400])
