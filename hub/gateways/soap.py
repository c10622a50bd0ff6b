"""``SoapGateway``: calls one SOAP system through zeep, the WSDL read once, every call bounded and guarded.

The gateway owns a ``zeep.AsyncClient`` whose ``AsyncTransport`` is httpx (so respx can stand in for the system
in unit tests), signs each call with a WS-Security UsernameToken (password digest) when the settings name a
user, bounds it with the connect and read timeouts of the settings, and posts to the configured ``url`` whatever
address the WSDL names. The async client lives on the gateway's own loop thread; ``call(operation, **args)``
is the synchronous face the worker threads use::

    boss = SoapGateway(settings.adapter("boss"), registry.get("boss"), breakers=breakers, metrics=metrics)
    answer = boss.call("QueryCustomerTier", Header=header, Msisdn="13800138000")     # zeep object
    document = boss.answer_document("QueryCustomerTier", answer)   # <boss:QueryCustomerTierResponse>, XSD-valid

Failures come out classified (``hub.gateways.failures``); an open circuit answers ``CircuitOpenError`` at once.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import httpx
from lxml import etree

from hub.gateways.breaker import Circuit, CircuitBreakers, CircuitOpenError
from hub.gateways.failures import InvalidAnswer, failure_of
from hub.gateways.loop import LoopThread
from hub.gateways.settings import GatewaySettings, http_timeout
from hub.observability.metrics import Metrics
from hub.validation.command_sets import CommandSet
from hub.validation.namespaces import COMMON_NS
from hub.workers.errors import PermanentError, TransientError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.proxy import AsyncServiceProxy
    from zeep.transports import AsyncTransport
    from zeep.wsse.username import UsernameToken

__all__ = ["SoapGateway"]

log = logging.getLogger("onepoint.gateway")
_GRACE = 5.0  # seconds beyond connect + read timeouts before a waiting worker thread gives up on the loop
WSDL_READ_TIMEOUT = 30.0  # the WSDL is read once, at start: a read timeout tuned for calls must not stop a worker


class SoapGateway:
    """One SOAP system (``settings.system``) of command set ``command_set``; close it when done."""

    def __init__(self, settings: GatewaySettings, command_set: CommandSet, *, breakers: CircuitBreakers | None = None,
                 metrics: Metrics | None = None) -> None:
        self.system = settings.system
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
                                      settings=zeep.Settings(forbid_dtd=True, forbid_entities=True))
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
    def call(self, operation: str, **arguments: Any) -> Any:
        """Call ``operation`` and wait for its answer (zeep object); raises classified failures only."""
        try:
            return self._loop.run(self.call_async(operation, **arguments), timeout=self._wait)
        except TimeoutError as exc:
            raise failure_of(self.system, operation, exc) from exc

    async def call_async(self, operation: str, **arguments: Any) -> Any:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await self.circuit.call_async(operation, lambda: self._send(operation, arguments))
        except CircuitOpenError:
            outcome = "open"
            raise
        except TransientError:
            outcome = "transient"
            raise
        except PermanentError:
            outcome = "permanent"
            raise
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.gateway_call(self.system, seconds, outcome)
            log.debug("gateway call", extra={"system": self.system, "operation": operation, "outcome": outcome,
                                             "seconds": round(seconds, 4)})

    async def _send(self, operation: str, arguments: dict[str, Any]) -> Any:
        try:
            return await getattr(self._service, operation)(**arguments)
        except Exception as exc:
            raise failure_of(self.system, operation, exc) from exc

    # -- answers --------------------------------------------------------------------------------------
    def answer_document(self, operation: str, answer: Any) -> etree._Element:
        """The zeep answer of ``operation`` as its ``<operation>Response`` document, checked against the XSD."""
        name = f"{operation}Response"
        try:
            element = self._client.get_element(f"{{{self.command_set.namespace}}}{name}")  # type: ignore[no-untyped-call]
            holder = etree.Element("answer")
            element.render(holder, answer)
            document = holder[0]
        except Exception as exc:
            raise InvalidAnswer(self.system, operation, f"cannot render {name}: {type(exc).__name__}: {exc}") from exc
        holder.remove(document)
        prefix = self.command_set.name
        tidy = etree.Element(document.tag, nsmap={prefix: self.command_set.namespace, "c": COMMON_NS})
        tidy[:] = list(document)
        etree.cleanup_namespaces(tidy, top_nsmap={prefix: self.command_set.namespace, "c": COMMON_NS})
        check_answer(self.system, operation, self.command_set, tidy)
        return tidy

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


def check_answer(system: str, operation: str, command_set: CommandSet, document: etree._Element) -> None:
    """``InvalidAnswer`` unless ``document`` is a response of ``command_set`` valid against its XSD."""
    qname = etree.QName(document)
    if qname.namespace != command_set.namespace or qname.localname not in command_set.responses:
        raise InvalidAnswer(system, operation, f"{qname.text} is not a response of {command_set.name}")
    schema = command_set.lxml_schema
    if not schema.validate(document):
        first = schema.error_log.last_error
        raise InvalidAnswer(system, operation, f"{qname.localname} fails its XSD: {first.message if first else '?'}")
