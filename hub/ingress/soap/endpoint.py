"""SOAP 1.1 ingress at ``/soap/<set>`` (WSDL at ``?wsdl``).

Each request goes through the same gate before spyne sees it, and every refusal is a SOAP Fault naming why:
size cap → hardened parse → SOAP 1.1 envelope rules (`hub.soap.envelope`: header blocks, one Body child) →
WS-Security UsernameToken (PasswordDigest) → known operation of this set → SOAPAction matches it → caller
authorized → XSD validation (every violation) → routing confirmed → spyne builds the ``<Command>Response``.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from hub.config.settings import CallerConfig
from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance
from hub.ingress.body import read_capped_body
from hub.ingress.refusals import fault_response
from hub.ingress.replies import BadReply, ReplyRefusal, checked_reply
from hub.routing.table import NoRouteError
from hub.security.callers import CallerDirectory, NotAuthorized
from hub.soap.envelope import unwrap_envelope
from hub.soap.fault import SoapFault, refusal_fault
from hub.soap.namespaces import SOAP_NS
from hub.soap.service import ACK_ENVIRON_KEY, PARSED_ENVIRON_KEY, build_soap_application, operation_envelope
from hub.soap.wsdl import contract_wsdl
from hub.soap.wsgi import call_wsgi, wsgi_environ
from hub.soap.wsse import SecurityTokenRefused, UsernameTokenVerifier
from hub.transport.errors import RequestTimeoutError
from hub.validation.command_sets import CommandSet, CommandSetRegistry
from hub.validation.parser import parse_document
from hub.validation.validator import DocumentValidator
from hub.validation.violations import DocumentRefused

__all__ = ["SoapIngress"]

log = logging.getLogger("onepoint.ingress.soap")


def _environ(request: Request, body: bytes, extra: dict[str, Any]) -> dict[str, Any]:
    return wsgi_environ(request.method, str(request.url), request.headers, body, extra)


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
        verifier: UsernameTokenVerifier[CallerConfig],
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
            return fault_response(SoapFault("Client.UnknownEndpoint", f"no command set {name!r}; known: {known}",
                                            code="unknown-endpoint", status=404))
        if request.method == "GET":
            return await self.wsdl(request, name)
        try:
            return await self._handle(request, name)
        except SoapFault as fault:
            return fault_response(fault)

    async def wsdl(self, request: Request, name: str) -> Response:
        if "wsdl" not in request.query_params:
            return fault_response(SoapFault("Client.MethodNotAllowed", "GET serves only the WSDL: add ?wsdl",
                                            code="method-not-allowed", status=405))
        key = (name, f"{request.url.scheme}://{request.headers.get('host', '')}")
        if key not in self._wsdl:
            environ = _environ(request, b"", {})
            status, _, body = await anyio.to_thread.run_sync(call_wsgi, self.apps[name], environ)
            if status != 200:
                return fault_response(SoapFault("Server", "the WSDL could not be generated", code="wsdl"))
            self._wsdl[key] = contract_wsdl(body, self.registry.get(name))
        return Response(self._wsdl[key], media_type="text/xml; charset=utf-8")

    async def _handle(self, request: Request, name: str) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "text/xml":
            raise SoapFault(
                "Client.UnsupportedMediaType",
                f"SOAP 1.1 requests must be sent as text/xml, not {media or 'no content type'!r}",
                code="unsupported-media-type", status=415,
            )
        try:
            body = await read_capped_body(request, self.validator.limits.max_bytes)
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None
        command_set, command, envelope = self._admit(body, name, request.headers.get("soapaction"))
        try:
            ack = await self.acceptance.accept(envelope)
        except NoRouteError as exc:
            log.error("no route", extra={"reason": str(exc)})
            raise SoapFault("Server.NoRoute", f"{exc}; nothing was accepted", code="no-route") from None
        except RequestTimeoutError as exc:
            raise SoapFault("Server.Timeout", f"no reply from {name} in time: {exc}", code="timeout",
                            status=504) from None
        except Exception:
            log.exception("routing failed", extra={"command": envelope.command_type})
            raise SoapFault(
                "Server.Unavailable", "the command could not be handed on; nothing was accepted: retry later",
                code="unavailable", status=503,
            ) from None
        if ack.reply is not None:
            return self._reply(command_set, command, ack.reply)
        # spyne reads the operation from PARSED_ENVIRON_KEY, never the body: the request was parsed once, above
        parsed = operation_envelope(command_set.namespace, command)
        environ = _environ(request, b"", {ACK_ENVIRON_KEY: ack.as_fields(), PARSED_ENVIRON_KEY: parsed})
        status, headers, data = await anyio.to_thread.run_sync(call_wsgi, self.apps[name], environ)
        return Response(data, status_code=status, headers=dict(headers))

    def _admit(self, body: bytes, name: str, soapaction: str | None) -> tuple[CommandSet, str, Envelope]:
        """The gate up to routing: parse, envelope, WS-Security, operation, SOAPAction, authorization, XSD.
        Raises `SoapFault`. The parsed tree lives in this frame only: it is freed before the route is awaited
        (see `Acceptance`)."""
        try:
            root = parse_document(body, self.validator.limits)
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None
        command_element, soap_header = unwrap_envelope(root)
        try:
            caller = self.verifier.verify(soap_header)
        except SecurityTokenRefused as exc:
            log.warning("soap authentication failed", extra={"reason": exc.reason, "code": exc.code})
            raise SoapFault(f"wsse:{exc.code}", exc.reason, code="unauthenticated") from None
        try:
            command_set, command = self.validator.identify(command_element, expected_set=name)
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None
        if not _soap_action_matches(soapaction, command):
            raise SoapFault(
                "Client.SoapActionMismatch",
                f"SOAPAction {soapaction!r} does not match the operation {command!r}",
                code="soapaction-mismatch",
            )
        try:
            CallerDirectory.authorize_command(caller, command_set.command_type(command))
            validated = self.validator.validate_element(command_element, expected_set=name)
            return command_set, command, self.acceptance.admit(validated, caller, ingress="soap")
        except DocumentRefused as exc:
            raise refusal_fault(exc) from None
        except NotAuthorized as exc:
            raise SoapFault("Client.NotAuthorized", str(exc), code="forbidden") from None

    def _reply(self, command_set: CommandSet, command: str, reply: bytes) -> Response:
        """A request's answer in a SOAP envelope, the backend's refusal as a Fault, or a Server fault."""
        try:
            element = checked_reply(command_set, command, reply, self.validator.limits)
        except ReplyRefusal as refusal:
            return fault_response(SoapFault("Client.Rejected", str(refusal), code=refusal.code))
        except BadReply as exc:
            log.error("bad reply from a consumer", extra={"command": command_set.command_type(command),
                                                            "reason": str(exc)})
            return fault_response(SoapFault("Server.BadReply", str(exc), code="bad-reply", status=502))
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
        etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(element)
        data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        return Response(data, media_type="text/xml; charset=utf-8")
