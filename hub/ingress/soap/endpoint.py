"""SOAP 1.1 ingress at ``/soap/<set>`` (WSDL at ``?wsdl``, any case: ``?WSDL`` as SoapUI and Axis ask).

Each request goes through the same gate before spyne sees it, and every refusal is a SOAP Fault naming why:
size cap → hardened parse → SOAP 1.1 envelope rules (`hub.soap.envelope`: header blocks, one Body child) →
WS-Security UsernameToken (PasswordDigest; PasswordText too over HTTPS with ``[security] password_text_over_tls``)
→ known operation of this set → SOAPAction matches it → caller authorized → XSD validation (every violation) →
routing confirmed → spyne builds the ``<Command>Response``.
This module only frames: the acceptance path and the refusals are `hub.ingress.acceptance` and
`hub.ingress.outcomes`, shared with the XML ingress; `fault_for` renders a refusal as a Fault.

The Content-Type's charset reads an envelope whose bytes name no encoding (RFC 7303); one they contradict is a
Client fault naming both (`hub.validation.charsets`). ``HEAD ?wsdl`` (monitoring probes, load balancers) is
answered as ``GET ?wsdl`` is, without the body.

The WSDL's ``soap:address`` is the hub's public URL (``[server] public_url``, else the address it serves on),
never the request's ``Host`` header, and exactly as configured (a percent-encoded path is not encoded again): one
WSDL per command set, built on its first request and kept. The WS-Security nonce store may be a database
(``[security] nonce_store``): its round trip runs on a worker thread, never on the event loop.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import anyio.to_thread
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from hub.config.settings import CallerConfig
from hub.ingress.acceptance import Acceptance, AckInfo, Admitted
from hub.ingress.body import read_capped_body
from hub.ingress.outcomes import QuietLog, Refusal, noted, refusal_for
from hub.ingress.parsing import parse_body
from hub.ingress.refusals import fault_response, unknown_endpoint
from hub.security.callers import AuthenticationFailed
from hub.security.throttle import SignInThrottle, SignInThrottled
from hub.soap.envelope import unwrap_soap_envelope
from hub.soap.fault import REFUSAL_FAULTCODES, SoapFault
from hub.soap.namespaces import SOAP_NS
from hub.soap.service import ACK_ENVIRON_KEY, PARSED_ENVIRON_KEY, build_soap_application, operation_envelope
from hub.soap.wsdl import contract_wsdl
from hub.soap.wsgi import call_wsgi, wsgi_environ
from hub.soap.wsse import AcceptedToken, NonceCacheFull, SecurityTokenRefused, TokenReplayed, UsernameTokenVerifier
from hub.validation.charsets import charset_codec, charset_parameter
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.parser import parse_document
from hub.validation.validator import DocumentValidator
from hub.validation.violations import RefusalKind
from hub.workers.reply import NO_ANSWER

__all__ = ["SoapIngress"]

log = logging.getLogger("onepoint.ingress")

FAULTCODES = {"forbidden": "Client.NotAuthorized", "throttled": "Client.Throttled", "no-route": "Server.NoRoute",
              "timeout": "Server.Timeout", "unavailable": "Server.Unavailable", "bad-reply": "Server.BadReply",
              "message-id-reused": "Client.MessageIdReused", "dead-lettered": "Server.DeadLettered",
              "busy": "Server.Busy", NO_ANSWER: "Server.BadReply"}
DOCUMENT_KINDS = {kind.value: kind for kind in RefusalKind}
_busy = QuietLog("WS-Security nonce cache full: tokens refused (Server.Busy)")


def busy_refusal(exc: NonceCacheFull) -> Refusal:
    """A valid token the hub cannot remember the nonce of (its replay cache is full of live nonces): refused,
    to be sent again later (503, ``Retry-After``); not a failed sign-in."""
    _busy.warn(caller=exc.caller, scope=exc.scope, retry_after=exc.retry_after)
    return Refusal(503, "busy", exc.reason, retry_after=exc.retry_after)


def fault_for(refusal: Refusal) -> SoapFault:
    """A shared refusal as a SOAP 1.1 Fault, sent as HTTP 500 whatever the refusal's status (WS-I Basic Profile
    1.1 R1126); its ``Retry-After`` goes on the response and its code in ``X-OnePoint-Refusal``."""
    if refusal.auth_code is not None:
        faultcode = f"wsse:{refusal.auth_code}"
    elif refusal.status == 422:
        faultcode = "Client.Rejected"  # the backend's c:Error code stays the detail's code
    elif refusal.code in DOCUMENT_KINDS and refusal.status in (400, 413):
        faultcode = REFUSAL_FAULTCODES[DOCUMENT_KINDS[refusal.code]]
    else:
        faultcode = FAULTCODES.get(refusal.code, "Server" if refusal.status >= 500 else "Client")
    return SoapFault(faultcode, refusal.message, code=refusal.code, violations=refusal.violations)


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
        throttle: SignInThrottle,
        public_url: str,
    ) -> None:
        self.registry = registry
        self.validator = validator
        self.verifier = verifier
        self.acceptance = acceptance
        self.throttle = throttle
        self.apps = {command_set.name: build_soap_application(command_set) for command_set in registry}
        self.public_url = public_url.rstrip("/")
        self._wsdl: dict[str, bytes] = {}  # by command set: bounded by the registry

    async def endpoint(self, request: Request) -> Response:
        name = request.path_params["system"]
        if name not in self.registry:
            return fault_response(SoapFault("Client.UnknownEndpoint", unknown_endpoint(self.registry, "soap", name),
                                            code="unknown-endpoint"))
        if request.method in ("GET", "HEAD"):
            return await self.wsdl(request, name)
        try:
            return await self._handle(request, name)
        except SoapFault as fault:
            return fault_response(fault)
        except Exception as exc:  # every failure of the shared path is a refusal (refusal_for logs it)
            refusal = busy_refusal(exc) if isinstance(exc, NonceCacheFull) else refusal_for(exc, system=name)
            noted(request, refusal)
            if isinstance(exc, SignInThrottled):
                await self.throttle.hold()
            response = fault_response(fault_for(refusal))
            response.headers.update(refusal.headers)
            return response

    async def wsdl(self, request: Request, name: str) -> Response:
        if not any(key.lower() == "wsdl" for key in request.query_params):  # ?wsdl, ?WSDL (SoapUI, Axis), ...
            response = fault_response(SoapFault("Client.MethodNotAllowed", "GET serves only the WSDL: add ?wsdl",
                                                code="method-not-allowed"))
            response.headers["allow"] = "POST, GET, HEAD"  # the methods taken, as a 405 would name them
            return response
        document = self._wsdl.get(name)
        if document is None:
            document = await anyio.to_thread.run_sync(self._build_wsdl, name)
            if document is None:
                return fault_response(SoapFault("Server", "the WSDL could not be generated", code="wsdl"))
            self._wsdl[name] = document
        if request.method == "HEAD":  # the GET's headers, its length among them, and no body
            return Response(b"", media_type="text/xml; charset=utf-8", headers={"content-length": str(len(document))})
        return Response(document, media_type="text/xml; charset=utf-8")

    def soap_address(self, name: str) -> str:
        """Where clients send the commands of set ``name``: the ``soap:address`` of its WSDL."""
        return f"{self.public_url}/soap/{name}"

    def _build_wsdl(self, name: str) -> bytes | None:
        """The contract WSDL of set ``name`` addressed at `soap_address` (spyne keeps the first it builds, so it
        is only ever asked with that address); None when spyne cannot build it."""
        address = self.soap_address(name)
        environ = wsgi_environ("GET", f"{address}?wsdl", {"host": urlsplit(address).netloc}, b"")
        status, _, body = call_wsgi(self.apps[name], environ)
        if status != 200:
            log.error("WSDL not generated", extra={"system": name, "status": status})
            return None
        return contract_wsdl(body, self.registry.get(name), address)

    async def _handle(self, request: Request, name: str) -> Response:
        media, _, parameters = request.headers.get("content-type", "").partition(";")
        media = media.strip().lower()
        if media == "application/soap+xml":  # a SOAP 1.2 request: the version is what is wrong (SOAP 1.2, App. A)
            raise SoapFault("VersionMismatch", "only SOAP 1.1 is spoken here: send the request as a SOAP 1.1 "
                            f"envelope ({SOAP_NS!r}) with Content-Type text/xml, not as SOAP 1.2 "
                            "(application/soap+xml)", code="version")
        if media != "text/xml":
            raise SoapFault(
                "Client.UnsupportedMediaType",
                f"SOAP 1.1 requests must be sent as text/xml, not {media or 'no content type'!r}",
                code="unsupported-media-type",
            )
        body = await read_capped_body(request, self.validator.limits.max_bytes)
        address = request.client.host if request.client else ""
        charset = charset_parameter(parameters) if parameters else None
        admitted = await self._admit(body, name, request.headers.get("soapaction"), address, charset,
                                     over_tls=request.url.scheme == "https")
        ack = await self.acceptance.accept(admitted.envelope)
        if ack.reply is not None:
            return self._reply(admitted, ack)
        # spyne reads the operation from PARSED_ENVIRON_KEY, never the body: the request was parsed once, above
        parsed = operation_envelope(admitted.command_set.namespace, admitted.command)
        environ = wsgi_environ(request.method, str(request.url), request.headers, b"",
                               {ACK_ENVIRON_KEY: ack.as_fields(), PARSED_ENVIRON_KEY: parsed})
        status, headers, data = await anyio.to_thread.run_sync(call_wsgi, self.apps[name], environ)
        return Response(data, status_code=status, headers=dict(headers))

    def _signed_in(self, soap_header: etree._Element | None, address: str,
                   over_tls: bool) -> AcceptedToken[CallerConfig]:
        """The UsernameToken checked but for its nonce (``over_tls``: came over HTTPS, PasswordText may be taken); a
        refusal counts as a failed sign-in of its user from ``address`` (`SignInThrottled` once over the limit)."""
        try:
            return self.verifier.check(soap_header, over_tls=over_tls)
        except SecurityTokenRefused as exc:
            raise self._failed(exc, address) from None

    def _remember(self, accepted: AcceptedToken[CallerConfig], address: str) -> CallerConfig:
        """The token's nonce remembered (a replay refused, not counted: `_failed`); its caller."""
        try:
            self.verifier.remember(accepted)
        except NonceCacheFull:
            raise  # the right password: not a failed sign-in, a busy hub (`busy_refusal`)
        except SecurityTokenRefused as exc:
            raise self._failed(exc, address) from None
        return accepted.account

    def _failed(self, exc: SecurityTokenRefused, address: str) -> AuthenticationFailed:
        """A refused token counts as a failed sign-in (SignInThrottled once over the limit), but for one whose only
        fault is its time (``MessageExpired``: refused before its password is compared) or its nonce
        (`TokenReplayed`: its password was right). Neither teaches a guesser anything; a caller whose clock is off
        keeps hearing what it must fix, and copies of one signed request (a client re-sending a request whose
        answer it lost, anyone behind the caller's NAT who saw it) do not lock the caller out of its address."""
        if exc.username is not None and exc.code != "MessageExpired" and not isinstance(exc, TokenReplayed):
            self.throttle.failed(exc.username, address)
        return AuthenticationFailed(exc.reason, exc.code, username=exc.username, address=address)

    async def _admit(
        self, body: bytes, name: str, soapaction: str | None, address: str, charset: str | None = None, *,
        over_tls: bool = False,
    ) -> Admitted:
        """The SOAP framing of the shared acceptance path: parse (``charset``: the Content-Type's; a large body off
        the event loop, ``hub.ingress.parsing``), envelope rules, WS-Security (its nonce remembered on a worker
        thread when the store is a database; throttled per caller and address), then `Acceptance.admit` with the
        SOAPAction check. Raises `SoapFault` or the shared path's exceptions. The parsed tree lives in this frame
        only, freed before the route is awaited (see `Acceptance`)."""
        codec = None if charset is None else charset_codec(body, charset)
        root = await parse_body(parse_document, body, self.validator.limits, decode_as=codec)
        command_element, soap_header = unwrap_soap_envelope(root)
        accepted = self._signed_in(soap_header, address, over_tls)
        if self.verifier.nonces.blocking:  # a shared store (a database): its round trip off the event loop
            caller = await anyio.to_thread.run_sync(self._remember, accepted, address)
        else:
            caller = self._remember(accepted, address)
        # while this caller's password is being guessed from here, even the right one learns nothing; other
        # callers' failures at this address do not refuse it (as a Basic pair verified before, on XML)
        self.throttle.check_caller(caller.username, address)

        def soap_action(command: str) -> None:
            if not _soap_action_matches(soapaction, command):
                given = "no SOAPAction header" if soapaction is None else f"SOAPAction {soapaction!r}"
                raise SoapFault("Client.SoapActionMismatch",
                                f"{given} does not match the operation {command!r}: send SOAPAction: \"{command}\"",
                                code="soapaction-mismatch")

        return await self.acceptance.admit_audited(command_element, caller, expected_set=name, ingress="soap",
                                                   check=soap_action, peer=address or None)

    def _reply(self, admitted: Admitted, ack: AckInfo) -> Response:
        """A request's answer in a SOAP envelope (`Acceptance.answer` raises the backend's refusal or defect)."""
        element = self.acceptance.answer(admitted, ack)
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
        etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(element)
        data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        return Response(data, media_type="text/xml; charset=utf-8")
