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
(replay window, nonce cache); a failure is a Fault ``wsse:FailedAuthentication`` (or the matching WSS code).

``GET ?wsdl`` serves spyne's WSDL with its types replaced by the real XSDs
(:func:`hub.soap.wsdl.contract_wsdl`).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lxml import etree

from hub.soap import SoapFault, refusal_fault, unwrap_soap_envelope
from hub.soap.service import PARSED_ENVIRON_KEY
from hub.soap.wsdl import contract_wsdl
from hub.soap.wsgi import call_wsgi
from hub.soap.wsse import SecurityTokenRefused, UsernameTokenVerifier, WsUsers
from hub.validation import CommandSet, DocumentRefused, DocumentValidator, parse_document

__all__ = ["VALIDATED_ENVIRON_KEY", "SoapGate"]

VALIDATED_ENVIRON_KEY = "onepoint.validated"
StartResponse = Callable[..., Any]


class SoapGate:
    """A WSGI application: the hub's checks, then the spyne application ``service``."""

    def __init__(self, service: Callable[..., Iterable[bytes]], command_set: CommandSet,
                 validator: DocumentValidator, *, ws_users: Mapping[str, str] | None = None) -> None:
        self.service = service
        self.command_set = command_set
        self.validator = validator
        self.verifier = None if ws_users is None else UsernameTokenVerifier(WsUsers(ws_users))
        self._wsdl: bytes | None = None
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
            except SecurityTokenRefused as exc:
                raise SoapFault(f"wsse:{exc.code}", exc.reason, code="unauthenticated") from None
        try:
            return root, self.validator.validate_element(command, expected_set=self.command_set.name)
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None

    def wsdl(self, environ: dict[str, Any]) -> bytes:
        """The contract WSDL, its ``soap:address`` the address this emulator listens on (the server's, never the
        request's ``Host`` header: spyne keeps the first WSDL it builds, so one caller's Host would be everyone's)."""
        with self._wsdl_lock:
            if self._wsdl is None:
                listening = f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
                status, _, data = call_wsgi(self.service, {**environ, "HTTP_HOST": listening,
                                                           "wsgi.input": io.BytesIO(b"")})
                if status != 200:
                    raise RuntimeError(f"spyne could not generate the WSDL (HTTP {status})")
                self._wsdl = contract_wsdl(data, self.command_set)
            return self._wsdl

    @staticmethod
    def _fault(start_response: StartResponse, fault: SoapFault) -> Iterable[bytes]:
        return SoapGate._answer(start_response, fault.status, fault.document(), "text/xml; charset=utf-8")

    @staticmethod
    def _answer(start_response: StartResponse, status: int, body: bytes, content_type: str) -> Iterable[bytes]:
        reason = {200: "OK", 405: "Method Not Allowed", 413: "Payload Too Large"}.get(status, "Internal Server Error")
        start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
