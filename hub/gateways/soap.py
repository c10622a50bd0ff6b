"""``SoapGateway``: calls one SOAP system through zeep, the WSDL read once, every call bounded and guarded.

The gateway owns a ``zeep.AsyncClient`` whose ``AsyncTransport`` is httpx (so respx can stand in for the system
in unit tests), signs each call with a WS-Security UsernameToken (password digest) when the settings name a
user, bounds it with the connect and read timeouts of the settings, and posts to the configured ``url`` whatever
address the WSDL names. zeep builds and signs the request only: it hands back the raw answer
(``raw_response``), which ``hub.gateways.soap_answers`` reads with the hub's hardened parser and checks against the
command set's XSD (no zeep objects parsed and rendered back). The async client lives on the gateway's own loop
thread; ``call(operation, **args)`` is the synchronous face the worker threads use::

    boss = SoapGateway(settings.adapter("boss"), registry.get("boss"), breakers=breakers, metrics=metrics)
    document = boss.call("QueryCustomerTier", Header=header, Msisdn="13800138000")
    # <boss:QueryCustomerTierResponse>, XSD-valid

Failures come out classified (``hub.gateways.failures``); an open circuit answers ``CircuitOpenError`` at once.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import httpx
from lxml import etree

from hub.gateways.breaker import Circuit, CircuitBreakers
from hub.gateways.failures import InvalidAnswer, failure_of
from hub.gateways.loop import LoopThread
from hub.gateways.observed import ObservedCall
from hub.gateways.settings import GatewaySettings, http_timeout
from hub.gateways.soap_answers import check_answer, soap_answer
from hub.observability.metrics import Metrics
from hub.validation.command_sets import CommandSet
from hub.validation.parser import ParserLimits

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.proxy import AsyncServiceProxy
    from zeep.transports import AsyncTransport
    from zeep.wsse.username import UsernameToken

__all__ = ["SoapGateway", "check_answer"]

log = logging.getLogger("onepoint.gateway")
_GRACE = 5.0  # seconds beyond connect + read timeouts before a waiting worker thread gives up on the loop
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
        self.circuit: Circuit = (breakers or CircuitBreakers(metrics)).circuit(settings)
        self._wait = settings.connect_timeout + settings.read_timeout + _GRACE
        self._loop = LoopThread(f"gateway-{self.system}")
        timeout = http_timeout(settings)
        wsdl_client = httpx.Client(timeout=httpx.Timeout(max(settings.read_timeout, WSDL_READ_TIMEOUT),
                                                         connect=settings.connect_timeout))
        try:
            self._loop.run(self._open(wsdl_client, timeout), timeout=self._wait + WSDL_READ_TIMEOUT)
        except BaseException:
            self._loop.close()
            raise
        finally:
            wsdl_client.close()  # the WSDL is read once, here

    async def _open(self, wsdl_client: httpx.Client, timeout: httpx.Timeout) -> None:
        """Build the client on the loop that will use it: read the WSDL, bind its one binding to ``url``."""
        transport = AsyncTransport(client=httpx.AsyncClient(timeout=timeout), wsdl_client=wsdl_client)  # type: ignore[no-untyped-call]
        wsse = (UsernameToken(self.settings.username, self.settings.password or "", use_digest=True)  # type: ignore[no-untyped-call]
                if self.settings.username else None)
        try:
            client = zeep.AsyncClient(self.settings.wsdl_location, transport=transport, wsse=wsse,  # type: ignore[no-untyped-call]
                                      settings=zeep.Settings(forbid_dtd=True, forbid_entities=True,
                                                             raw_response=True))
        except Exception as exc:
            await transport.aclose()  # type: ignore[no-untyped-call]
            raise failure_of(self.system, "WSDL", exc) from exc
        bindings = list(client.wsdl.bindings.values())
        if len(bindings) != 1:
            await transport.aclose()  # type: ignore[no-untyped-call]
            raise InvalidAnswer(self.system, "WSDL", f"expected one binding, found {len(bindings)}")
        self._client = client
        self._transport = transport
        self._service = AsyncServiceProxy(client, bindings[0], address=self.settings.url)  # type: ignore[no-untyped-call]

    # -- calls ----------------------------------------------------------------------------------------
    def call(self, operation: str, **arguments: Any) -> etree._Element:
        """Call ``operation``; its ``<operation>Response`` document, XSD-valid. Raises classified failures only."""
        try:
            return self._loop.run(self.call_async(operation, **arguments), timeout=self._wait)
        except TimeoutError as exc:
            raise failure_of(self.system, operation, exc) from exc

    async def call_async(self, operation: str, **arguments: Any) -> etree._Element:
        with ObservedCall(self.system, operation, self.metrics):
            return await self.circuit.call_async(operation, lambda: self._send(operation, arguments))

    async def _send(self, operation: str, arguments: dict[str, Any]) -> etree._Element:
        try:
            response = await getattr(self._service, operation)(**arguments)  # raw: a requests.Response
        except Exception as exc:
            raise failure_of(self.system, operation, exc) from exc
        status = int(response.status_code)
        return soap_answer(self.system, operation, self.command_set, status, httpx.codes.get_reason_phrase(status),
                           bytes(response.content or b""), self.limits)

    def close(self) -> None:
        """Close the HTTP connections and stop the loop thread."""
        transport = getattr(self, "_transport", None)
        if transport is not None and not self._loop.loop.is_closed():
            self._loop.run(transport.aclose(), timeout=self._wait)
        self._loop.close()

    def __enter__(self) -> SoapGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

