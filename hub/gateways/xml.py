"""``XmlGateway``: posts command documents to one XML-over-HTTP system and returns its checked answer.

One ``HttpExchange`` per calling thread (``ThreadClients``: httpx's transport, no client per call), reused by every
call it makes (keep-alive), with the connect and read timeouts of the settings and the system's credentials (a
bearer token, or HTTP basic for a user). A successful answer is read at most up to the parser's cap: a larger
``Content-Length`` is refused before its body is read, a body streamed past the cap there (``InvalidAnswer``).
A compressed answer (``Content-Encoding``, unasked for) is inflated within that cap too, a coding the hub does not
decode refused (``hub.gateways.answer_codings``). The answer is parsed with the hub's hardened parser (in the
charset its ``Content-Type`` names when its bytes name no encoding) and must be the operation's own
``<operation>Response`` of the command set, valid against its XSD, acknowledging the forwarded document's
``MessageId``: an answer acknowledging another is a stray one left on the keep-alive connection (transient), so
the calling thread's connection is closed and the retry opens a fresh one. A refusal (any status but 2xx) keeps
the ``c:Error`` the system answered with: its code and message are the failure's reason
(``hub.gateways.xml_answers``)::

    nsp = XmlGateway(settings.adapter("nsp"), registry.get("nsp"), breakers=breakers, metrics=metrics)
    answer = nsp.post("NetworkComplaintDispatch", document)   # lxml element: <nsp:...Response>

Failures come out classified (``hub.gateways.failures``); an open circuit answers ``CircuitOpenError`` at once.
"""

from __future__ import annotations

import base64
import logging

from lxml import etree

from hub.gateways.answer_codings import UndecodableAnswer
from hub.gateways.circuit_board import CircuitBreakers, SystemCircuits
from hub.gateways.clients import ThreadClients
from hub.gateways.echo import StrayAnswer
from hub.gateways.exchange import HttpExchange
from hub.gateways.failures import InvalidAnswer, failure_of
from hub.gateways.observed import ObservedCall
from hub.gateways.settings import GatewaySettings, http_timeout
from hub.gateways.xml_answers import forwarded_id, xml_answer
from hub.observability.metrics import Metrics
from hub.validation.command_sets import CommandSet
from hub.validation.parser import ParserLimits

__all__ = ["XmlGateway", "basic_credentials"]

log = logging.getLogger("onepoint.gateway")


def basic_credentials(username: str, password: str) -> str:
    """The ``Authorization`` value of HTTP basic authentication (user and password UTF-8, as httpx encodes them)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class XmlGateway:
    """One XML system (``settings.system``) of command set ``command_set``; close it when done."""

    def __init__(self, settings: GatewaySettings, command_set: CommandSet, *, breakers: CircuitBreakers | None = None,
                 metrics: Metrics | None = None, limits: ParserLimits | None = None) -> None:
        self.system = settings.system
        self.command_set = command_set
        self.settings = settings
        self.metrics = metrics
        self.limits = limits or ParserLimits()
        self.circuits: SystemCircuits = (breakers or CircuitBreakers(metrics)).circuits_of(settings, command_set)
        headers = {"content-type": "application/xml", "accept": "application/xml"}
        if settings.token:
            headers["authorization"] = f"Bearer {settings.token}"
        elif settings.username:
            headers["authorization"] = basic_credentials(settings.username, settings.password or "")
        timeout = http_timeout(settings)
        self._clients = ThreadClients(lambda: HttpExchange(settings.url, timeout, headers,
                                                           deadline=settings.connect_timeout + settings.read_timeout,
                                                           max_answer=self.limits.max_bytes))

    def post(self, operation: str, document: bytes | etree._Element) -> etree._Element:
        """POST ``document`` (the ``operation`` command) to the system's URL; its XSD-valid answer document."""
        body = document if isinstance(document, bytes) else etree.tostring(document, encoding="UTF-8",
                                                                            xml_declaration=True)
        message_id = forwarded_id(document, self.limits)
        with ObservedCall(self.system, operation, self.metrics):
            return self.circuits.of(operation).call(operation, lambda: self._exchange(operation, body, message_id))

    def _exchange(self, operation: str, body: bytes, message_id: str | None) -> etree._Element:
        try:
            response = self._clients.get().post(self.settings.url, body)
        except UndecodableAnswer as exc:
            raise InvalidAnswer(self.system, operation, str(exc)) from exc
        except Exception as exc:
            raise failure_of(self.system, operation, exc) from exc
        try:
            return xml_answer(self.system, operation, self.command_set, response, self.limits,
                              message_id=message_id)
        except StrayAnswer as stray:
            self._clients.discard()  # what else the connection holds is not ours either: the retry opens a new one
            log.warning("stray answer refused; the connection closed",
                        extra={"system": self.system, "operation": operation, "reason": str(stray)})
            raise

    def close(self) -> None:
        self._clients.close()

    def __enter__(self) -> XmlGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
