"""``MailClient``: the hub's SMTP client (stdlib ``smtplib``), one connection per mail sent, called as the gateways
call a system (``hub.gateways``).

Every mail goes through the SMTP server's circuit breaker (``CircuitBreakers``, the circuit ``mail``, its
``breaker_fail_max`` and ``breaker_reset_seconds`` from ``[mail]``) and is observed as a gateway call (``Metrics``:
``onepoint_gateway_call_seconds{system="mail"}``, ``onepoint_circuit_state{system="mail"}``). A server that keeps
failing opens the circuit: the mails then fail at once with ``CircuitOpenError`` without a connection, and the
worker makes them wait in a delay tier (no attempt counted) until a trial mail may go; ``/readyz`` names the circuit
while it is open. Failures are classified by ``adapters.mail.smtp_failures`` (retry, or dead letter at once), and
a 5xx refusal never counts toward opening the circuit (the server answered: it is up).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from adapters.mail.smtp_failures import MAIL_SYSTEM, smtp_failure
from hub.config.mail import MailSettings
from hub.gateways import CircuitBreakers, GatewaySettings
from hub.gateways.breaker import Circuit
from hub.gateways.observed import ObservedCall
from hub.observability.metrics import Metrics

__all__ = ["MAIL_CIRCUIT", "MAIL_SYSTEM", "MailClient", "smtp_gateway_settings"]

MAIL_CIRCUIT = "mail"  # the SMTP server's circuit, named as the other systems' (their queue's name: boss, nsp, ...)
OPERATION = "DispatchMail"


def smtp_gateway_settings(settings: MailSettings) -> GatewaySettings:
    """``[mail]``'s SMTP server as a gateway's settings: what its circuit and observed calls read (the timeout
    bounds the connection and each answer, so a trial mail's deadline is twice it)."""
    return GatewaySettings(system=MAIL_CIRCUIT, url=f"smtp://{settings.smtp_host}:{settings.smtp_port}",
                           connect_timeout=settings.smtp_timeout, read_timeout=settings.smtp_timeout,
                           breaker_fail_max=settings.breaker_fail_max,
                           breaker_reset_seconds=settings.breaker_reset_seconds, circuits={}, concurrency=1)


class MailClient:
    """Sends mails through ``[mail]``'s SMTP server; ``breakers`` and ``metrics``: the process's (None: a circuit
    of the client's own, nothing measured)."""

    def __init__(self, settings: MailSettings, *, breakers: CircuitBreakers | None = None,
                 metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.circuit: Circuit = (breakers or CircuitBreakers(metrics)).circuit(smtp_gateway_settings(settings))

    def _failure(self, exc: Exception, recipient: str, operation: str = OPERATION) -> Exception:
        return smtp_failure(exc, host=self.settings.smtp_host, port=self.settings.smtp_port, recipient=recipient,
                            operation=operation)

    def send(self, message: EmailMessage, operation: str = OPERATION) -> None:
        """Hand ``message`` to the SMTP server through its circuit; raises ``SystemUnavailable`` (``CircuitOpenError``
        while the circuit is open), ``SystemFailed`` or ``SystemRefused`` naming ``operation`` (the mail command it
        carries out: ``DispatchMail``, ``WithdrawMail``)."""
        with ObservedCall(MAIL_CIRCUIT, operation, self.metrics):
            self.circuit.call(operation, lambda: self._deliver(message, operation))

    def _deliver(self, message: EmailMessage, operation: str) -> None:
        recipient = str(message["To"])
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port,
                              timeout=self.settings.smtp_timeout) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise self._failure(exc, recipient, operation) from None

    def close(self) -> None:
        """Nothing is kept open between mails."""
