"""The hub envelope of a validated command: what the ingress and the handlers that send commands both build."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.envelope import Envelope, now_in_whole_seconds
from hub.validation.facts import NO_FACTS
from hub.validation.validator import ValidatedCommand

__all__ = ["envelope_for"]


def envelope_for(
    command: ValidatedCommand, *, headers: Mapping[str, Any], document: bytes | None = None,
    received_at: datetime | None = None, facts: bool = True,
) -> Envelope:
    """The envelope of a valid command: its Header fields, its routing facts, the document and ``headers``
    (who sent it: ``ingress``/``caller`` at the ingress, ``caused-by``/``step`` for a handler's command).

    ``document``: the command document exactly as received, when it is the whole of what was sent (the XML
    ingress); otherwise the validated element is serialized. ``received_at`` defaults to now, in whole seconds
    of UTC (what the AMQP ``timestamp`` property carries exactly). ``facts=False``: no content predicate of
    the routing table applies to this command (`RoutingTable.reads_facts`), so its facts are not read.
    """
    return Envelope(
        command.message_id,
        command.command_type,
        command.source_system,
        document if document is not None else command.payload(),
        command.correlation_id,
        received_at or now_in_whole_seconds(),
        dict(headers),
        command.routing_facts() if facts else NO_FACTS,
    )
