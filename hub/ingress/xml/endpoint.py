"""XML over HTTP at ``POST /xml/<set>``: a command document in, an Ack (202) or an Error document out.

401 no or bad credentials (HTTP Basic or bearer token) · 429 too many failed sign-ins (``Retry-After``) · 415 not
application/xml or text/xml · 413 over the size cap · 400 malformed, hostile or schema-invalid (every violation
listed) · 403 not allowed for this caller · 503 could not be handed on (nothing accepted, retry) · 202 accepted
· 200 a duplicate of an accepted message, or a request's answer. This module only frames: the acceptance path
and the refusals are `hub.ingress.acceptance` and `hub.ingress.outcomes`, shared with the SOAP ingress.

The Content-Type's charset reads a document whose bytes name no encoding (RFC 7303; one they contradict is refused:
`hub.validation.charsets`). A body sent on as received is also what the message id's fingerprint is taken of;
one that is not ASCII-compatible (UTF-16, UTF-32), or that was read in an encoding it does not name (its charset's,
GB18030 for a GBK label), is sent on as the parsed document in UTF-8 instead: the fingerprint's byte patterns
(SentAt, the declaration) read only ASCII-compatible bytes, and whoever parses the payload next sees only it.
"""

from __future__ import annotations

import base64
import binascii
import logging

import anyio.to_thread
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from hub.config.settings import CallerConfig
from hub.ingress.acceptance import Acceptance, AckInfo, Admitted
from hub.ingress.body import read_capped_body
from hub.ingress.outcomes import Refusal, noted, refusal_for
from hub.ingress.parsing import parse_body
from hub.ingress.refusals import REFUSAL_HEADER, error_document, unknown_endpoint
from hub.security.callers import AuthenticationFailed, CallerDirectory
from hub.security.throttle import SignInThrottle, SignInThrottled
from hub.validation.charsets import charset_codec, charset_parameter
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import read_document
from hub.validation.xml_prolog import ascii_compatible

__all__ = ["XmlIngress", "ack_document"]

log = logging.getLogger("onepoint.ingress.xml")
XML_MEDIA_TYPES = {"application/xml", "text/xml"}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="onepoint", charset="UTF-8", Bearer realm="onepoint"'}


def ack_document(ack: AckInfo) -> bytes:
    root = etree.Element(f"{{{COMMON_NS}}}Ack", nsmap={"c": COMMON_NS})
    etree.SubElement(root, f"{{{COMMON_NS}}}MessageId").text = ack.message_id
    if ack.correlation_id:
        etree.SubElement(root, f"{{{COMMON_NS}}}CorrelationId").text = ack.correlation_id
    etree.SubElement(root, f"{{{COMMON_NS}}}Status").text = ack.status
    etree.SubElement(root, f"{{{COMMON_NS}}}ReceivedAt").text = ack.received_at.isoformat()
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def error_response(refusal: Refusal) -> Response:
    """A refusal as XML over HTTP: its ``c:Error`` document (a backend's own one for a refused request)."""
    headers = {**refusal.headers, **(CHALLENGE if refusal.status == 401 else {})}
    if refusal.document is not None:
        return Response(refusal.document, status_code=refusal.status, media_type="application/xml",
                        headers={REFUSAL_HEADER: refusal.code, **headers})
    return error_document(refusal.status, refusal.code, refusal.message, list(refusal.violations), headers=headers)


class XmlIngress:
    def __init__(
        self, registry: CommandSetRegistry, callers: CallerDirectory, acceptance: Acceptance,
        throttle: SignInThrottle,
    ) -> None:
        self.registry = registry
        self.callers = callers
        self.acceptance = acceptance
        self.throttle = throttle
        self.limits = acceptance.validator.limits

    async def authenticate(self, request: Request) -> CallerConfig:
        """The caller named by the ``Authorization`` header; raises `AuthenticationFailed` or, before any
        password is hashed, `SignInThrottled` when this caller or address failed too often."""
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        address = request.client.host if request.client else ""
        if scheme == "bearer" and credentials.strip():
            try:  # a token is checked by its SHA-256 (cheap): a valid one passes even from a throttled address
                return self.callers.authenticate_token(credentials.strip())
            except AuthenticationFailed as exc:
                self.throttle.failed("", address)  # a token names no caller: its address counts
                raise exc.at(address) from None
        if scheme == "basic":
            try:
                username, _, password = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise AuthenticationFailed("malformed Basic credentials", address=address) from None
            cached = self.callers.cached_basic(username, password)  # verified before: no hashing
            if cached is not None:  # but not while this caller's password is guessed from here (as on SOAP)
                self.throttle.check_caller(username, address)
                return cached
            self.throttle.check(username, address)  # a throttled guess does not even wait for its turn
            async with self.throttle.one_at_a_time(address):
                cached = self.callers.cached_basic(username, password)  # verified while this one waited
                if cached is not None:
                    return cached
                with self.throttle.attempt(username, address):
                    try:  # scrypt is deliberately slow: verify off the event loop.
                        return await anyio.to_thread.run_sync(self.callers.authenticate_basic, username, password)
                    except AuthenticationFailed as exc:
                        raise exc.at(address) from None
        raise AuthenticationFailed("credentials are required (HTTP Basic or a bearer token)", address=address)

    async def endpoint(self, request: Request) -> Response:
        name = request.path_params["system"]
        if name not in self.registry:
            return error_document(404, "unknown-endpoint", unknown_endpoint(self.registry, "xml", name))
        try:
            caller = await self.authenticate(request)
            media, _, parameters = request.headers.get("content-type", "").partition(";")
            media = media.strip().lower()
            if media not in XML_MEDIA_TYPES:
                return error_document(415, "unsupported-media-type",
                                      f"send application/xml or text/xml, not {media or 'no content type'!r}")
            body = await read_capped_body(request, self.limits.max_bytes)
            admitted = await self.admit(body, name, caller, peer=request.client.host if request.client else None,
                                        charset=charset_parameter(parameters) if parameters else None)
            ack = await self.acceptance.accept(admitted.envelope)
            if ack.reply is not None:
                return Response(self.acceptance.pass_on(admitted, ack), status_code=200,
                                media_type="application/xml")
        except Exception as exc:  # every failure is a refusal (refusal_for logs what deserves it)
            refusal = noted(request, refusal_for(exc, system=name))
            if isinstance(exc, SignInThrottled):
                await self.throttle.hold()
            return error_response(refusal)
        return Response(ack_document(ack), status_code=200 if ack.status == "DUPLICATE" else 202,
                        media_type="application/xml")

    async def admit(
        self, body: bytes, name: str, caller: CallerConfig, *, peer: str | None = None, charset: str | None = None,
        ingress: str = "xml",
    ) -> Admitted:
        """Parse ``body`` (a large one off the event loop: ``hub.ingress.parsing``) and take it through the shared
        acceptance path (``peer``: the caller's address; ``charset``: the Content-Type's; ``ingress``: the one
        that built the document, ``mail`` for the mail ingress's). The parsed tree lives in
        this frame only: it is freed before the route is awaited (see `Acceptance`)."""
        codec = None if charset is None else charset_codec(body, charset)
        element, as_labelled = await parse_body(read_document, body, self.limits, decode_as=codec)
        document = body if as_labelled and ascii_compatible(body) else None  # None: the element, in UTF-8
        return await self.acceptance.admit_audited(element, caller, expected_set=name, ingress=ingress,
                                                   document=document, peer=peer)
