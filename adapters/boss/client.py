"""``BossClient``: BOSS's three operations as typed methods over a ``SoapGateway``.

BOSS refuses an MSISDN it does not know with the SOAP fault ``Client.SubscriberNotFound``: that refusal is an
answer (``SubscriberNotFound``, a ``BusinessRejection`` with code ``subscriber-not-found``). Any other SOAP
``Client`` (or ``Sender``) fault on a read (QueryCustomerTier, QuerySubscriber) is BOSS's answer about that
customer too (``Client.AccountFrozen``): ``BossRefused``, code ``boss-refused``, its message naming BOSS's fault
code and first line of text (``hub.gateways.refusal_notice``), answered to the requester and not dead-lettered (a
read nobody could usefully replay). SyncHLR (a write) keeps the gateway's classification, as every other failure
does (transient: retried; permanent, an HTTP 4xx or a WS-Security refusal of the hub's own call included:
dead-lettered with the reason).

Every answer passes ``_call``, which refuses one about another subscriber than the one asked (an ``InvalidAnswer``,
dead-lettered): a BOSS (or a proxy before it) that mixes answers up must not hand the caller another customer's
tier or record, nor have the ingress cache it. QueryCustomerTier names the MSISDN in ``Msisdn``, QuerySubscriber in
``Subscriber/Msisdn``; SyncHLR's answer names none (its Ack's MessageId is checked by the gateway).

QueryCustomerTier's answer is rid of the identities of a tier code the hub does not know (and of unknown VIP
levels) before the gateway checks it against the XSD (``adapters.boss.unknown_codes``): one local code of BOSS's
must not make the whole answer unusable.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import Any

from lxml import etree

from adapters.boss.mapping import BOSS_NS, CustomerTier, HlrSync, customer_tier, hlr_sync
from adapters.boss.unknown_codes import skip_unknown_codes
from hub.gateways import AnswerFilter, InvalidAnswer, SoapGateway, SystemRefused
from hub.observability.logging import mask_msisdn
from hub.workers.errors import BusinessRejection

__all__ = ["BOSS_REFUSED", "SUBSCRIBER_NOT_FOUND", "BossClient", "BossRefused", "SubscriberNotFound"]

SUBSCRIBER_NOT_FOUND = "Client.SubscriberNotFound"  # BOSS's fault code for an unknown MSISDN
BOSS_REFUSED = "boss-refused"  # the c:Error code of a read BOSS refused with any other Client fault
log = logging.getLogger("onepoint.adapters.boss")


class SubscriberNotFound(BusinessRejection):
    def __init__(self, msisdn: str) -> None:
        super().__init__(f"BOSS knows no subscriber {mask_msisdn(msisdn)}", code="subscriber-not-found")
        self.msisdn = msisdn


class BossRefused(BusinessRejection):
    """BOSS refused a read for this customer with a SOAP Client fault (see the module)."""

    def __init__(self, refused: SystemRefused) -> None:
        super().__init__(refused.told or f"{refused.system} refused it: {refused.code}", code=BOSS_REFUSED)
        self.fault_code = refused.code


# the faults that say the hub's own request was wrong (an envelope, the schema, the operation, its authorization):
# not an answer about the customer, so they stay dead-lettered (every lookup would fail alike: an operator must act)
REQUEST_FAULTS = frozenset({
    "SchemaValidationError", "UnknownOperation", "MethodNotAllowed", "Forbidden", "SoapActionMismatch",
    "MalformedXml", "NotSoap", "NoBody", "EmptyBody", "BodyCount", "EnvelopeOrder", "TextContent",
    "UnqualifiedElement", "UnqualifiedHeader", "InvalidMustUnderstand", "DuplicateSecurityHeader", "TooLarge",
    "TooDeep", "MustUnderstand",
})


def _client_fault(refused: SystemRefused) -> bool:
    """A SOAP ``Client``/``Sender`` fault about the customer (``Client.AccountFrozen``): not one saying the hub's
    request was wrong (``REQUEST_FAULTS``), nor an HTTP status or a WS-Security code."""
    kind, _, detail = refused.code.partition(".")
    return kind.lower() in ("client", "sender") and detail not in REQUEST_FAULTS


class BossClient:
    """Calls BOSS; each method takes the call's arguments (``adapters.boss.mapping`` builds them)."""

    def __init__(self, gateway: SoapGateway) -> None:
        self.gateway = gateway

    def query_customer_tier(self, arguments: dict[str, Any], today: date | None = None) -> CustomerTier:
        """Tier, brand, identities, effective tier and account manager of ``arguments["Msisdn"]`` (identities of a
        tier code the hub does not know skipped; an unknown effective tier replaced by the highest known identity
        still valid on ``today``, the operator's day the request was received: ``unknown_codes``)."""
        return customer_tier(self._call("QueryCustomerTier", arguments, partial(skip_unknown_codes, today=today),
                                        reads=True))

    def query_subscriber(self, arguments: dict[str, Any]) -> etree._Element:
        """The subscriber record (``QuerySubscriberResponse``)."""
        return self._call("QuerySubscriber", arguments, reads=True)

    def sync_hlr(self, arguments: dict[str, Any]) -> HlrSync:
        """Have BOSS repair the subscriber's HLR from its own record; the diff it repaired."""
        return hlr_sync(self._call("SyncHLR", arguments))

    def _call(self, operation: str, arguments: dict[str, Any],
              answer_filter: AnswerFilter | None = None, *, reads: bool = False) -> etree._Element:
        try:
            answer = self.gateway.call(operation, answer_filter=answer_filter, **arguments)
        except SystemRefused as refused:
            if refused.code == SUBSCRIBER_NOT_FOUND:
                raise SubscriberNotFound(str(arguments.get("Msisdn", ""))) from refused
            if reads and _client_fault(refused):
                log.warning("BOSS refused a read for this customer: answered boss-refused", extra={
                    "operation": operation, "msisdn": mask_msisdn(str(arguments.get("Msisdn", ""))),
                    "fault_code": refused.code})
                raise BossRefused(refused) from refused
            raise
        if "Msisdn" in arguments:
            self._check_subscriber(operation, str(arguments["Msisdn"]).strip(), answer)
        return answer

    def _check_subscriber(self, operation: str, asked: str, answer: etree._Element) -> None:
        """``InvalidAnswer`` when ``answer`` names another MSISDN than ``asked`` (any ``Msisdn`` in it: the
        tier's, the subscriber record's)."""
        for named in answer.iter(f"{{{BOSS_NS}}}Msisdn"):
            answered = (named.text or "").strip()
            if answered != asked:
                log.warning("BOSS answered about another subscriber than the one asked; answer refused",
                            extra={"operation": operation, "asked": mask_msisdn(asked),
                                   "answered": mask_msisdn(answered)})
                raise InvalidAnswer(self.gateway.system, operation, "the answer is about another subscriber: "
                                    f"asked …{asked[-4:]}, answered …{answered[-4:]}")

    def close(self) -> None:
        self.gateway.close()
