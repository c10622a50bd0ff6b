"""The SOAP gate in front of an emulator's spyne service (shared by the BOSS and CRM emulators).

spyne alone answers an invalid enum with a plain HTTP 500 and reports only the last libxml2 error, so every
request passes the hub's own checks first, in the hub's order, and every refusal is a SOAP 1.1 Fault
(:class:`hub.soap.SoapFault`: faultcode ``Client...``, a ``c:Error`` detail naming every violation): hardened
parse -> SOAP 1.1 envelope rules (:func:`hub.soap.unwrap_soap_envelope`: header blocks and ``mustUnderstand``, one
Body child) -> WS-Security -> XSD validation of the command element (:class:`hub.validation.DocumentValidator`)
-> spyne. The validated command reaches the spyne
handler in the WSGI environ (:data:`VALIDATED_ENVIRON_KEY`), so the Ack can echo its MessageId.

WS-Security: with ``ws_users=None`` (the default) a ``wsse:Security`` header is accepted and ignored and a request
without one is accepted too, as a test BOSS usually is. With ``ws_users={"hub": "secret"}`` every request needs a
UsernameToken with PasswordDigest, checked by :class:`hub.soap.wsse.UsernameTokenVerifier`
(replay window, a nonce cache of ``nonce_cache_size`` nonces); a failure is a Fault ``wsse:FailedAuthentication``
(or the matching WSS code). A valid token whose nonce cannot be remembered because the cache is full of live nonces
is not a wrong password: it is answered ``soap:Server.Busy`` with HTTP 503 and ``Retry-After`` (when the cache's
first nonce expires), so a caller sends it again later (the hub's own ingress sends the same Fault as HTTP 500, as
WS-I wants every Fault; a backend system may use either, and the hub's gateway reads both).

``GET ?wsdl`` serves spyne's WSDL with its types replaced by the real XSDs
(:func:`hub.soap.wsdl.contract_wsdl`) and its ``soap:address`` where the asking client reached the emulator
(:mod:`emulators.toolkit.wsdladdress`).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lxml import etree

from emulators.toolkit.wsdladdress import request_host, service_path, wsdl_location
from hub.soap import SoapFault, refusal_fault, unwrap_soap_envelope
from hub.soap.service import PARSED_ENVIRON_KEY
from hub.soap.wsdl import contract_wsdl
from hub.soap.wsgi import call_wsgi
from hub.soap.wsse import NonceCacheFull, SecurityTokenRefused, UsernameTokenVerifier, WsUsers
from hub.validation import CommandSet, DocumentRefused, DocumentValidator, parse_document

__all__ = ["NONCE_CACHE_SIZE", "VALIDATED_ENVIRON_KEY", "BusyFault", "SoapGate"]

VALIDATED_ENVIRON_KEY = "onepoint.validated"
NONCE_CACHE_SIZE = 1_000_000  # nonces remembered (~150 bytes each): ~3,300 signed calls/s over the 300 s window
_KEPT_WSDLS = 16  # WSDLs kept, one per address clients reached the emulator at
StartResponse = Callable[..., Any]


class BusyFault(SoapFault):
    """A valid token refused because the nonce cache is full of live nonces: ``Server.Busy``, HTTP 503, to be sent
    again after ``retry_after`` seconds (the hub's SOAP ingress answers it with HTTP 500 and ``Retry-After``)."""

    def __init__(self, full: NonceCacheFull) -> None:
        super().__init__("Server.Busy", full.reason, code="busy", status=503)
        self.retry_after = full.retry_after


class SoapGate:
    """A WSGI application: the hub's checks, then the spyne application ``service``."""

    def __init__(self, service: Callable[..., Iterable[bytes]], command_set: CommandSet,
                 validator: DocumentValidator, *, ws_users: Mapping[str, str] | None = None,
                 nonce_cache_size: int = NONCE_CACHE_SIZE) -> None:
        if nonce_cache_size < 1:
            raise ValueError(f"nonce_cache_size must be at least 1 (the nonces of signed calls remembered for the "
                             f"replay window), got {nonce_cache_size}")
        self.service = service
        self.command_set = command_set
        self.validator = validator
        self.verifier = None if ws_users is None else UsernameTokenVerifier(
            WsUsers(ws_users), nonce_cache_size=nonce_cache_size)
        self._spyne_wsdl: bytes | None = None  # spyne's own, built once
        self._service_path = "/"  # where spyne's WSDL says the operations are served
        self._wsdls: OrderedDict[str, bytes] = OrderedDict()  # by soap:address, the newest last
        self._wsdl_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET" and "wsdl" in environ.get("QUERY_STRING", "").lower():
            return self._answer(start_response, 200, self.wsdl(environ), "text/xml; charset=utf-8")
        if method != "POST":
            return self._fault(start_response, SoapFault(
                "Client.MethodNotAllowed", "POST a SOAP 1.1 envelope, or GET ?wsdl", code="method-not-allowed",
                status=405))
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            environ[PARSED_ENVIRON_KEY], environ[VALIDATED_ENVIRON_KEY] = self._check(body)
        except SoapFault as fault:
            return self._fault(start_response, fault)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.service(environ, start_response)

    def _check(self, body: bytes) -> tuple[etree._Element, Any]:
        try:
            root = parse_document(body, self.validator.limits)
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None
        command, header = unwrap_soap_envelope(root)
        if self.verifier is not None:
            try:
                self.verifier.verify(header)
            except NonceCacheFull as exc:
                raise BusyFault(exc) from None
            except SecurityTokenRefused as exc:
                raise SoapFault(f"wsse:{exc.code}", exc.reason, code="unauthenticated") from None
        try:
            return root, self.validator.validate_element(command, expected_set=self.command_set.name)
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None

    def wsdl(self, environ: dict[str, Any]) -> bytes:
        """The contract WSDL, its ``soap:address`` where this request's client reached the emulator (its ``Host``
        when plain, else the address its connection arrived at: :func:`~emulators.toolkit.wsdladdress.
        request_host`). spyne keeps the first WSDL it builds, so its address is replaced for every client; the
        WSDLs of the last few addresses are kept."""
        with self._wsdl_lock:
            if self._spyne_wsdl is None:
                status, _, data = call_wsgi(self.service, {**environ, "HTTP_HOST": request_host(environ),
                                                           "wsgi.input": io.BytesIO(b"")})
                if status != 200:
                    raise RuntimeError(f"spyne could not generate the WSDL (HTTP {status})")
                self._spyne_wsdl, self._service_path = data, service_path(data)
            location = wsdl_location(environ, self._service_path)
            wsdl = self._wsdls.get(location)
            if wsdl is None:
                wsdl = self._wsdls[location] = contract_wsdl(self._spyne_wsdl, self.command_set, location)
                while len(self._wsdls) > _KEPT_WSDLS:
                    self._wsdls.popitem(last=False)
            return wsdl

    @staticmethod
    def _fault(start_response: StartResponse, fault: SoapFault) -> Iterable[bytes]:
        headers = [("Retry-After", str(fault.retry_after))] if isinstance(fault, BusyFault) else []
        return SoapGate._answer(start_response, fault.status, fault.document(), "text/xml; charset=utf-8", headers)

    @staticmethod
    def _answer(start_response: StartResponse, status: int, body: bytes, content_type: str,
                headers: list[tuple[str, str]] | None = None) -> Iterable[bytes]:
        reason = {200: "OK", 405: "Method Not Allowed", 413: "Payload Too Large",
                  503: "Service Unavailable"}.get(status, "Internal Server Error")
        start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                              *(headers or [])])
        return [body]
