"""Acceptance: the path both ingresses share once a caller is authenticated and the command element is found.

`Acceptance.admit` identifies the command once, lets the protocol check it (the SOAP ingress's SOAPAction),
authorizes the caller once (the command type before the schema work, then the Header's source system),
validates it and wraps it in an `Envelope`; `accept` hands the envelope to the `Router` and answers once
routing confirmed it; `answer` checks a request's reply (`pass_on`: one the XML ingress sends on as it came).
`admit_audited` is `admit` for the ingresses: an audited command (``hub.validation.audited``: an SMS-log query)
that it refuses (not authorized, invalid, the wrong SOAPAction) first gets its ``denied`` audit row
(`hub.ingress.refusal_audit`). Every failure is an exception that
`hub.ingress.outcomes.refusal_for` maps to one `Refusal`, which each ingress renders in its protocol.
The message id from the document's Header is the idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from lxml import etree

from hub.config.settings import CallerConfig
from hub.envelope import Envelope
from hub.ingress.refusal_audit import RefusalAudit
from hub.ingress.replies import checked_reply, reply_kind
from hub.observability.metrics import Metrics
from hub.routing.envelopes import envelope_for
from hub.routing.router import Router
from hub.security.callers import CallerDirectory, NotAuthorized
from hub.soap.fault import SoapFault
from hub.validation.audited import audited_command_types
from hub.validation.command_sets import CommandSet
from hub.validation.validator import DocumentValidator
from hub.validation.violations import DocumentRefused
from hub.values import value_class

__all__ = ["Acceptance", "AckInfo", "Admitted", "envelope_for"]

log = logging.getLogger("onepoint.ingress")


@value_class
class AckInfo:
    """What the caller is told: the fields of a ``c:Ack``."""

    message_id: str
    correlation_id: str | None
    status: str
    received_at: datetime
    reply: bytes | None = None  # a request's answer (the consumer's response document), unchecked
    reply_validated: bool = False  # the answer's consumer checked it against the XSD where it entered the hub

    def as_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "MessageId": self.message_id, "Status": self.status, "ReceivedAt": self.received_at
        }
        if self.correlation_id:
            fields["CorrelationId"] = self.correlation_id
        return fields


@value_class
class Admitted:
    """An authorized, valid command ready to route: its set and name (to check a reply) and its envelope."""

    command_set: CommandSet
    command: str
    envelope: Envelope


#: commands one ingress alone builds, after checks of its own: an offline department's answer is taken only as the
#: mail it came in (``POST /mail/inbound``: hook, token, sender), never as a document POSTed to /xml or /soap
OWN_INGRESS = {"mail.AnswerMail": "mail"}


def _always(command_type: str) -> bool:
    return True


class Acceptance:
    """Two steps, so that no parsed tree waits for the broker.

    `admit` (synchronous) ends with the envelope; `accept` routes it. An ingress calls `admit` in a frame that
    also holds the parsed document and returns before it awaits `accept`: the tree is freed as soon as the
    envelope exists, not held by every request awaiting its confirm (bench/README.md says what that costs).

    ``reads_facts(command_type)``: whether the routing table has a content predicate for the command; the
    routing facts are read from the document only then (the default: always).

    ``validated_answers``: the consumers whose answers are checked against the command set's XSD where they enter
    the hub, the adapters (``[adapters.<system>]``): each answers a request only with its system's answer, which
    its gateway parsed with the hardened parser and checked (``hub.gateways.check_answer``: the trust boundary),
    and stamps the caller's ids in its Ack. The broker that brings the answer back is the hub's own, which the
    workers trust in turn for the commands this ingress checked. Their answers are therefore not checked against
    the XSD again here; their kind still is (this command's response, or a ``c:Error``). Every other consumer's
    answer (the workflow's, handlers of one's own on a queue of their own) is checked whole; whoever runs handlers
    of their own for an adapter's queue (``onepoint worker boss --handlers ...``) takes over its promise.

    ``refusals``: where `admit_audited` writes the ``denied`` row of a refused audited command (None: nowhere).
    """

    def __init__(
        self, router: Router, validator: DocumentValidator, metrics: Metrics | None = None, *,
        reads_facts: Callable[[str], bool] = _always, validated_answers: Collection[str] = (),
        refusals: RefusalAudit | None = None,
    ) -> None:
        self.router = router
        self.validator = validator
        self.metrics = metrics
        self.reads_facts = reads_facts
        self.validated_answers = frozenset(validated_answers)
        self.audited = audited_command_types()
        self.refusals = refusals

    def admit(
        self, element: etree._Element, caller: CallerConfig, *, expected_set: str, ingress: str,
        document: bytes | None = None, check: Callable[[str], None] | None = None, peer: str | None = None,
    ) -> Admitted:
        """Identify, check (``check(command)`` raises the protocol's refusal), authorize and validate the
        command ``element``; raises `DocumentRefused` or `NotAuthorized`. ``document``: the request body when
        it is the command document itself (sent on as received; otherwise the element is serialized).
        ``peer``: the caller's network address, carried (header ``peer``) by audited commands only
        (`hub.validation.audited`), for their audit trail."""
        command_set, command = self.validator.identify(element, expected_set=expected_set)
        if check is not None:
            check(command)
        command_type = command_set.command_type(command)
        if OWN_INGRESS.get(command_type, ingress) != ingress:
            raise NotAuthorized(f"{command_type} is taken only at the hub's {OWN_INGRESS[command_type]} ingress "
                                "(POST /mail/inbound, the mail as it came)")
        CallerDirectory.authorize_command(caller, command_type)
        validated = self.validator.validate_identified(element, command_set, command)
        CallerDirectory.authorize_source(caller, validated.source_system)
        headers = {"ingress": ingress, "caller": caller.username}
        if peer and command_type in self.audited:
            headers["peer"] = peer
        envelope = envelope_for(validated, headers=headers, document=document, facts=self.reads_facts(command_type))
        return Admitted(command_set, command, envelope)

    async def admit_audited(
        self, element: etree._Element, caller: CallerConfig, *, expected_set: str, ingress: str,
        document: bytes | None = None, check: Callable[[str], None] | None = None, peer: str | None = None,
    ) -> Admitted:
        """`admit`; when it refuses an audited command (`NotAuthorized`, `DocumentRefused`, the protocol's
        `SoapFault`), its ``denied`` row is appended first (off the event loop), then the refusal raised as it
        was. A row that cannot be written is logged as an ERROR and the refusal still raised."""
        try:
            return self.admit(element, caller, expected_set=expected_set, ingress=ingress, document=document,
                              check=check, peer=peer)
        except (NotAuthorized, DocumentRefused, SoapFault) as refused:
            if self.refusals is not None and (identified := self._audited(element, expected_set)) is not None:
                command_set, command_type = identified
                entry = self.refusals.entry(element, caller, command_set=command_set, command_type=command_type,
                                            peer=peer, reason=_reason(refused))
                await self.refusals.record(entry)
            raise

    def _audited(self, element: etree._Element, expected_set: str) -> tuple[str, str] | None:
        """(set, command type) of ``element`` when it is an audited command; None otherwise or unidentified."""
        try:
            command_set, command = self.validator.identify(element, expected_set=expected_set)
        except DocumentRefused:
            return None
        command_type = command_set.command_type(command)
        return (command_set.name, command_type) if command_type in self.audited else None

    async def accept(self, envelope: Envelope) -> AckInfo:
        """Route an admitted envelope (raises on failure) and say what happened."""
        result = await self.router.route(envelope)
        if self.metrics is not None and not result.duplicate:
            self.metrics.accepted(envelope.command_type)
        status = "DUPLICATE" if result.duplicate else ("COMPLETED" if result.reply is not None else "ACCEPTED")
        if log.isEnabledFor(logging.DEBUG):  # per-command INFO lines cost ~15% of ingest throughput
            log.debug("command accepted", extra={
                "message_id": envelope.message_id, "command": envelope.command_type,
                "caller": envelope.headers.get("caller"), "ingress": envelope.headers.get("ingress"),
                "status": status, "targets": list(result.targets),
            })
        validated = (result.reply is not None and len(result.targets) == 1  # a request has one target
                     and result.targets[0] in self.validated_answers)
        return AckInfo(envelope.message_id, envelope.correlation_id, status, envelope.received_at, result.reply,
                       validated)

    def answer(self, admitted: Admitted, ack: AckInfo) -> etree._Element:
        """A request's reply, checked: its ``<Command>Response`` element; raises `ReplyRefusal` (the backend
        refused, 422) or `BadReply` (a backend defect, 502). See the class for the answers not checked again."""
        assert ack.reply is not None
        return checked_reply(admitted.command_set, admitted.command, ack.reply, self.validator.limits,
                             validated=ack.reply_validated)

    def pass_on(self, admitted: Admitted, ack: AckInfo) -> bytes:
        """A request's reply as the bytes to send on: checked whole as `answer` checks it, or, when its consumer
        checked it already, only what it is (its root's start tag: no parse, no copy of a large answer)."""
        assert ack.reply is not None
        if ack.reply_validated:
            reply_kind(admitted.command_set, admitted.command, ack.reply, self.validator.limits)
        else:
            checked_reply(admitted.command_set, admitted.command, ack.reply, self.validator.limits)
        return ack.reply


def _reason(refused: Exception) -> str:
    """The audit row's reason for a refusal: its code and what it says (an invalid document's first three
    violations; the row masks any number in it)."""
    if isinstance(refused, NotAuthorized):
        return f"forbidden: {refused}"
    if isinstance(refused, SoapFault):
        return f"{refused.code}: {refused.message}"
    return str(refused)  # DocumentRefused: "<kind>: <violations>"
