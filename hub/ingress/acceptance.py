"""Acceptance: the step both ingresses share once a command is authenticated and valid.

Authorize the caller for the command, wrap the command in an `Envelope` and hand it to the `Router`; answer
only once routing confirmed it. The message id from the document's Header is the idempotency key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.config.settings import CallerConfig
from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.router import Router
from hub.security.callers import CallerDirectory
from hub.validation.validator import ValidatedCommand

__all__ = ["Acceptance", "AckInfo"]

log = logging.getLogger("onepoint.ingress")


@dataclass(frozen=True, slots=True)
class AckInfo:
    """What the caller is told: the fields of a ``c:Ack``."""

    message_id: str
    correlation_id: str | None
    status: str
    received_at: datetime
    reply: bytes | None = None  # a request's answer (the consumer's response document), unchecked

    def as_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "MessageId": self.message_id, "Status": self.status, "ReceivedAt": self.received_at
        }
        if self.correlation_id:
            fields["CorrelationId"] = self.correlation_id
        return fields


class Acceptance:
    def __init__(self, router: Router, metrics: Metrics | None = None) -> None:
        self.router = router
        self.metrics = metrics

    async def accept(
        self, command: ValidatedCommand, caller: CallerConfig, *, ingress: str, document: bytes | None = None
    ) -> AckInfo:
        """Authorize (raises `NotAuthorized`), route (raises on failure) and say what happened.

        ``document``: the command document exactly as received, when the request body *is* that document
        (the XML ingress); otherwise the validated element is serialized (the SOAP body's child).
        """
        CallerDirectory.authorize(caller, command.command_type, command.source_system)
        received_at = datetime.now(UTC).replace(microsecond=0)
        envelope = Envelope(
            message_id=command.message_id,
            command_type=command.command_type,
            source_system=command.source_system,
            payload=document if document is not None else command.payload(),
            correlation_id=command.correlation_id,
            received_at=received_at,
            headers={"ingress": ingress, "caller": caller.username},
        )
        result = await self.router.route(envelope)
        if self.metrics is not None and not result.duplicate:
            self.metrics.accepted(envelope.command_type)
        status = "DUPLICATE" if result.duplicate else ("COMPLETED" if result.reply is not None else "ACCEPTED")
        log.debug(  # per-command INFO lines cost ~15% of ingest throughput; metrics count every command
            "command accepted",
            extra={
                "message_id": envelope.message_id, "command": envelope.command_type, "caller": caller.username,
                "ingress": ingress, "status": status, "targets": list(result.targets),
            },
        )
        return AckInfo(envelope.message_id, envelope.correlation_id, status, received_at, result.reply)
