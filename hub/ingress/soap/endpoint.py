"""SOAP 1.1 ingress at ``/soap/<set>`` (WSDL at ``?wsdl``).

Each request goes through the same gate before spyne sees it, and every refusal is a SOAP Fault naming why:
size cap → hardened parse → SOAP 1.1 envelope with one Body child → WS-Security UsernameToken (PasswordDigest)
→ known operation of this set → SOAPAction matches it → caller authorized → XSD validation (every violation)
→ routing confirmed → spyne builds the ``<Command>Response``.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from hub.ingress.acceptance import Acceptance
from hub.ingress.body import read_capped_body
from hub.ingress.errors import SOAP_NS, soap_fault
from hub.ingress.replies import BadReply, ReplyRefusal, checked_reply
from hub.ingress.soap.service import ACK_ENVIRON_KEY, build_soap_application
from hub.ingress.soap.wsdl import contract_wsdl
from hub.ingress.soap.wsgi_call import call_wsgi, environ_for
from hub.routing.table import NoRouteError
from hub.security.callers import AuthenticationFailed, CallerDirectory, NotAuthorized
from hub.security.wssecurity import UsernameTokenVerifier
from hub.transport.errors import RequestTimeoutError
from hub.validation.command_sets import CommandSet, CommandSetRegistry
from hub.validation.parser import parse_document
from hub.validation.validator import DocumentValidator
from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = ["SoapIngress"]

log = logging.getLogger("onepoint.ingress.soap")
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
_REFUSAL_FAULTS = {
    RefusalKind.EMPTY: "Client.EmptyBody",
    RefusalKind.TOO_LARGE: "Client.TooLarge",
    RefusalKind.TOO_DEEP: "Client.TooDeep",
    RefusalKind.FORBIDDEN: "Client.Forbidden",
    RefusalKind.MALFORMED: "Client.MalformedXml",
    RefusalKind.UNKNOWN_COMMAND: "Client.UnknownOperation",
    RefusalKind.INVALID: "Client.SchemaValidationError",
}


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _refused(exc: DocumentRefused) -> _Refusal:
    status = 413 if exc.kind is RefusalKind.TOO_LARGE else 500
    message = "; ".join(str(v) for v in exc.violations[:3]) if exc.kind is not RefusalKind.INVALID else (
        f"the document is not valid against its schema ({len(exc.violations)} violation(s))"
    )
    return _Refusal(
        soap_fault(_REFUSAL_FAULTS[exc.kind], message, code=exc.kind.value, violations=exc.violations, status=status)
    )


def _soap_action_matches(header: str | None, command: str) -> bool:
    if header is None:
        return False
    action = header.strip().strip('"')
    return action == command or action.endswith(("/" + command, "#" + command))


class SoapIngress:
    def __init__(
        self,
        registry: CommandSetRegistry,
        validator: DocumentValidator,
        verifier: UsernameTokenVerifier,
        acceptance: Acceptance,
    ) -> None:
        self.registry = registry
        self.validator = validator
        self.verifier = verifier
        self.acceptance = acceptance
        self.apps = {command_set.name: build_soap_application(command_set) for command_set in registry}
        self._wsdl: dict[tuple[str, str], bytes] = {}

    async def endpoint(self, request: Request) -> Response:
        name = request.path_params["system"]
        if name not in self.registry:
            known = ", ".join(self.registry.names())
            return soap_fault("Client.UnknownEndpoint", f"no command set {name!r}; known: {known}",
                              code="unknown-endpoint", status=404)
        if request.method == "GET":
            return await self.wsdl(request, name)
        try:
            return await self._handle(request, name)
        except _Refusal as refusal:
            return refusal.response

    async def wsdl(self, request: Request, name: str) -> Response:
        if "wsdl" not in request.query_params:
            return soap_fault("Client.MethodNotAllowed", "GET serves only the WSDL: add ?wsdl",
                              code="method-not-allowed", status=405)
        key = (name, f"{request.url.scheme}://{request.headers.get('host', '')}")
        if key not in self._wsdl:
            environ = environ_for(request, b"", {})
            status, _, body = await anyio.to_thread.run_sync(call_wsgi, self.apps[name], environ)
            if status != 200:
                return soap_fault("Server", "the WSDL could not be generated", code="wsdl", status=500)
            self._wsdl[key] = contract_wsdl(body, self.registry.get(name))
        return Response(self._wsdl[key], media_type="text/xml; charset=utf-8")

    async def _handle(self, request: Request, name: str) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "text/xml":
            raise _Refusal(soap_fault(
                "Client.UnsupportedMediaType",
                f"SOAP 1.1 requests must be sent as text/xml, not {media or 'no content type'!r}",
                code="unsupported-media-type", status=415,
            ))
        try:
            body = await read_capped_body(request, self.validator.limits.max_bytes)
            root = parse_document(body, self.validator.limits)
        except DocumentRefused as exc:
            raise _refused(exc) from None
        command_element, soap_header = self._unwrap(root)
        try:
            caller = self.verifier.verify(soap_header)
        except AuthenticationFailed as exc:
            log.warning("soap authentication failed", extra={"reason": exc.reason, "code": exc.code})
            raise _Refusal(soap_fault(f"wsse:{exc.code}", exc.reason, code="unauthenticated")) from None
        try:
            command_set, command = self.validator.identify(command_element, expected_set=name)
        except DocumentRefused as exc:
            raise _refused(exc) from None
        if not _soap_action_matches(request.headers.get("soapaction"), command):
            raise _Refusal(soap_fault(
                "Client.SoapActionMismatch",
                f"SOAPAction {request.headers.get('soapaction')!r} does not match the operation {command!r}",
                code="soapaction-mismatch",
            ))
        try:
            CallerDirectory.authorize_command(caller, command_set.command_type(command))
            validated = self.validator.validate_element(command_element, expected_set=name)
            ack = await self.acceptance.accept(validated, caller, ingress="soap")
        except DocumentRefused as exc:
            raise _refused(exc) from None
        except NotAuthorized as exc:
            raise _Refusal(soap_fault("Client.NotAuthorized", str(exc), code="forbidden")) from None
        except NoRouteError as exc:
            log.error("no route", extra={"reason": str(exc)})
            raise _Refusal(soap_fault("Server.NoRoute", f"{exc}; nothing was accepted", code="no-route")) from None
        except RequestTimeoutError as exc:
            raise _Refusal(soap_fault("Server.Timeout", f"no reply from {name} in time: {exc}", code="timeout",
                                      status=504)) from None
        except Exception:
            log.exception("routing failed", extra={"command": command_set.command_type(command)})
            raise _Refusal(soap_fault(
                "Server.Unavailable", "the command could not be handed on; nothing was accepted: retry later",
                code="unavailable", status=503,
            )) from None
        if ack.reply is not None:
            return self._reply(command_set, command, ack.reply)
        environ = environ_for(request, body, {ACK_ENVIRON_KEY: ack.as_fields()})
        status, headers, data = await anyio.to_thread.run_sync(call_wsgi, self.apps[name], environ)
        return Response(data, status_code=status, headers=dict(headers))

    def _reply(self, command_set: CommandSet, command: str, reply: bytes) -> Response:
        """A request's answer in a SOAP envelope, the backend's refusal as a Fault, or a Server fault."""
        try:
            element = checked_reply(command_set, command, reply, self.validator.limits)
        except ReplyRefusal as refusal:
            response = soap_fault("Client.Rejected", str(refusal), code=refusal.code)
            return response
        except BadReply as exc:
            log.error("bad reply from a consumer", extra={"command": command_set.command_type(command),
                                                            "reason": str(exc)})
            return soap_fault("Server.BadReply", str(exc), code="bad-reply", status=502)
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
        etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(element)
        data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        return Response(data, media_type="text/xml; charset=utf-8")

    @staticmethod
    def _unwrap(root: Any) -> tuple[Any, Any]:
        """The single Body child and the Header of a SOAP 1.1 envelope, or a Fault saying what is wrong."""
        qname = etree.QName(root)
        if qname.namespace == SOAP12_NS:
            raise _Refusal(soap_fault("VersionMismatch", "only SOAP 1.1 envelopes are accepted", code="version"))
        if qname.namespace != SOAP_NS or qname.localname != "Envelope":
            raise _Refusal(soap_fault(
                "Client.NotSoap", f"the root element must be soap:Envelope, not {qname.text!r}", code="not-soap"
            ))
        body = root.find(f"{{{SOAP_NS}}}Body")
        if body is None:
            raise _Refusal(soap_fault("Client.NoBody", "the envelope has no soap:Body", code="no-body"))
        children = [child for child in body if isinstance(child.tag, str)]
        if len(children) != 1:
            raise _Refusal(soap_fault(
                "Client.BodyCount", f"soap:Body must hold exactly one command element, found {len(children)}",
                code="body-count",
            ))
        return children[0], root.find(f"{{{SOAP_NS}}}Header")
