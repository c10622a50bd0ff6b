"""``SoapGateway``: calls one SOAP system through zeep, the WSDL read once, every call bounded and guarded.

The gateway owns a ``zeep.Client`` whose transport is httpx (``HttpxTransport``: an ``HttpExchange`` on httpx's
transport per calling thread, reused, so respx can stand in for the system in unit tests), signs each call with
a WS-Security UsernameToken (password digest) when the settings name a user, bounds it with the connect and read
timeouts of the settings (and the whole answer with their sum), and posts to the configured ``url`` whatever
address the WSDL names, through its SOAP 1.1 binding (``hub.gateways.soap_binding``: a WSDL may offer SOAP 1.2
too). zeep builds and signs the request only: it hands back the raw answer (``raw_response``),
which ``hub.gateways.soap_answers`` reads with the hub's hardened parser (in the charset of its Content-Type when
its bytes name no encoding) and checks against the command set's XSD (no zeep objects parsed and rendered back),
and whose Ack must echo the call's ``Header`` MessageId: an answer acknowledging another message is a stray one left
on the keep-alive connection (``StrayAnswer``, transient), so the calling thread's connection is closed and the
retry opens a fresh one.
``call(operation, **args)`` runs in the calling worker thread (no event loop in between: bench/README.md, flows)::

    boss = SoapGateway(settings.adapter("boss"), registry.get("boss"), breakers=breakers, metrics=metrics)
    document = boss.call("QueryCustomerTier", Header=header, Msisdn="13800138000")
    # <boss:QueryCustomerTierResponse>, XSD-valid

``call(operation, answer_filter=f, **args)``: ``f`` edits the response before its XSD check (an adapter's own
rule of what in an answer it skips: ``hub.gateways.soap_answers``); the rest is checked as always.

Failures come out classified (``hub.gateways.failures``); an open circuit answers ``CircuitOpenError`` at once.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import httpx
from lxml import etree

from hub.gateways.circuit_board import CircuitBreakers, SystemCircuits
from hub.gateways.clients import ThreadClients
from hub.gateways.echo import StrayAnswer
from hub.gateways.exchange import HttpExchange
from hub.gateways.failures import InvalidAnswer, failure_of
from hub.gateways.observed import ObservedCall
from hub.gateways.settings import GatewaySettings, http_timeout
from hub.gateways.soap_answers import AnswerFilter, check_answer, soap_answer
from hub.gateways.soap_binding import choose_binding
from hub.gateways.soap_transport import HttpxTransport, RawAnswer
from hub.observability.metrics import Metrics
from hub.validation.command_sets import CommandSet
from hub.validation.parser import ParserLimits

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.proxy import ServiceProxy
    from zeep.wsse.username import UsernameToken

__all__ = ["SoapGateway", "check_answer"]

log = logging.getLogger("onepoint.gateway")
WSDL_READ_TIMEOUT = 30.0  # the WSDL is read once, at start: a read timeout tuned for calls must not stop a worker


class SoapGateway:
    """One SOAP system (``settings.system``) of command set ``command_set``; close it when done."""

    def __init__(self, settings: GatewaySettings, command_set: CommandSet, *, breakers: CircuitBreakers | None = None,
                 metrics: Metrics | None = None, limits: ParserLimits | None = None) -> None:
        self.system = settings.system
        self.limits = limits or ParserLimits()
        self.command_set = command_set
        self.settings = settings
        self.metrics = metrics
        self.circuits: SystemCircuits = (breakers or CircuitBreakers(metrics)).circuits_of(settings, command_set)
        timeout = http_timeout(settings)
        self._clients = ThreadClients(lambda: HttpExchange(settings.url, timeout))
        wsdl_client = httpx.Client(timeout=httpx.Timeout(max(settings.read_timeout, WSDL_READ_TIMEOUT),
                                                         connect=settings.connect_timeout))
        transport = HttpxTransport(self._clients, wsdl_client, max_bytes=self.limits.max_bytes,
                                   deadline=settings.connect_timeout + settings.read_timeout)
        wsse = (UsernameToken(settings.username, settings.password or "", use_digest=True)  # type: ignore[no-untyped-call]
                if settings.username else None)
        try:
            client = zeep.Client(settings.wsdl_location, transport=transport, wsse=wsse,  # type: ignore[no-untyped-call]
                                 settings=zeep.Settings(forbid_dtd=True, forbid_entities=True, raw_response=True))
            binding = choose_binding(self.system, client.wsdl, settings.url, settings.binding)  # SOAP 1.1
        except InvalidAnswer:
            self._clients.close()
            raise
        except Exception as exc:
            self._clients.close()
            raise failure_of(self.system, "WSDL", exc) from exc
        finally:
            wsdl_client.close()  # the WSDL is read once, here
        self._service = ServiceProxy(client, binding, address=settings.url)  # type: ignore[no-untyped-call]

    # -- calls ----------------------------------------------------------------------------------------
    def call(self, operation: str, /, *, answer_filter: AnswerFilter | None = None,
             **arguments: Any) -> etree._Element:
        """Call ``operation``; its ``<operation>Response`` document, XSD-valid (after ``answer_filter``'s edit, when
        given). Raises classified failures only."""
        with ObservedCall(self.system, operation, self.metrics):
            return self.circuits.of(operation).call(operation, lambda: self._send(operation, arguments, answer_filter))

    def _send(self, operation: str, arguments: dict[str, Any],
              answer_filter: AnswerFilter | None = None) -> etree._Element:
        try:
            response: RawAnswer = getattr(self._service, operation)(**arguments)  # raw_response: what zeep posted got
        except Exception as exc:
            raise failure_of(self.system, operation, exc) from exc
        try:
            return soap_answer(self.system, operation, self.command_set, response.status_code, response.reason,
                               response.content, self.limits, response.retry_after,
                               message_id=_message_id(arguments), content_type=response.content_type,
                               answer_filter=answer_filter)
        except StrayAnswer as stray:
            self._clients.discard()  # what else the connection holds is not ours either: the retry opens a new one
            log.warning("stray answer refused; the connection closed",
                        extra={"system": self.system, "operation": operation, "reason": str(stray)})
            raise

    def close(self) -> None:
        """Close the HTTP connections."""
        self._clients.close()

    def __enter__(self) -> SoapGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _message_id(arguments: dict[str, Any]) -> str | None:
    """The ``Header`` MessageId a call sends (a dict, or an object zeep was given), which its answer's Ack echoes;
    None when it has none."""
    header = arguments.get("Header")
    found = header.get("MessageId") if isinstance(header, dict) else getattr(header, "MessageId", None)
    return None if found is None else str(found)
