"""XML over HTTP at ``POST /xml/<set>``: a command document in, an Ack (202) or an Error document out.

401 no or bad credentials (HTTP Basic or bearer token) · 415 not application/xml or text/xml · 413 over the
size cap · 400 malformed, hostile or schema-invalid (every violation listed) · 403 not allowed for this caller
· 503 could not be handed on (nothing accepted, retry) · 202 accepted · 200 a duplicate of an accepted message.
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
from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance, AckInfo
from hub.ingress.body import read_capped_body
from hub.ingress.refusals import error_document
from hub.ingress.replies import BadReply, ReplyRefusal, checked_reply
from hub.routing.table import NoRouteError
from hub.security.callers import AuthenticationFailed, CallerDirectory, NotAuthorized
from hub.transport.errors import RequestTimeoutError
from hub.validation.command_sets import CommandSet, CommandSetRegistry
from hub.validation.parser import parse_document
from hub.validation.validator import DocumentValidator
from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = ["XmlIngress", "ack_document"]

log = logging.getLogger("onepoint.ingress.xml")
COMMON_NS = "urn:onepoint:common:1"
XML_MEDIA_TYPES = {"application/xml", "text/xml"}
OFFLOAD_BYTES = 64 * 1024  # parse larger bodies off the event loop
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


class XmlIngress:
    def __init__(
        self, registry: CommandSetRegistry, validator: DocumentValidator, callers: CallerDirectory,
        acceptance: Acceptance,
    ) -> None:
        self.registry = registry
        self.validator = validator
        self.callers = callers
        self.acceptance = acceptance

    async def authenticate(self, request: Request) -> CallerConfig:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and credentials.strip():
            return self.callers.authenticate_token(credentials.strip())
        if scheme == "basic":
            try:
                username, _, password = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise AuthenticationFailed("malformed Basic credentials") from None
            cached = self.callers.cached_basic(username, password)
            if cached is not None:
                return cached
            # scrypt is deliberately slow: verify off the event loop.
            return await anyio.to_thread.run_sync(self.callers.authenticate_basic, username, password)
        raise AuthenticationFailed("credentials are required (HTTP Basic or a bearer token)")

    async def endpoint(self, request: Request) -> Response:
        name = request.path_params["system"]
        if name not in self.registry:
            return error_document(404, "unknown-endpoint", f"no command set {name!r}; known: "
                                  f"{', '.join(self.registry.names())}")
        try:
            caller = await self.authenticate(request)
        except AuthenticationFailed as exc:
            log.warning("xml authentication failed", extra={"reason": exc.reason})
            return error_document(401, "unauthenticated", exc.reason, headers=CHALLENGE)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in XML_MEDIA_TYPES:
            return error_document(415, "unsupported-media-type",
                                  f"send application/xml or text/xml, not {media or 'no content type'!r}")
        try:
            body = await read_capped_body(request, self.validator.limits.max_bytes)
            command_set, command, envelope = await self.admit(body, name, caller)
            ack = await self.acceptance.accept(envelope)
        except DocumentRefused as exc:
            status = 413 if exc.kind is RefusalKind.TOO_LARGE else 400
            return error_document(status, exc.kind.value, str(exc), exc.violations)
        except NotAuthorized as exc:
            return error_document(403, "forbidden", str(exc))
        except NoRouteError as exc:
            log.error("no route", extra={"reason": str(exc)})
            return error_document(500, "no-route", f"{exc}; nothing was accepted")
        except RequestTimeoutError as exc:
            return error_document(504, "timeout", f"no reply from {name} in time: {exc}")
        except Exception:
            log.exception("routing failed")
            return error_document(503, "unavailable", "the command could not be handed on; nothing was accepted",
                                  headers={"Retry-After": "5"})
        if ack.reply is not None:
            return self.reply(command_set, command, ack.reply)
        return Response(ack_document(ack), status_code=200 if ack.status == "DUPLICATE" else 202,
                        media_type="application/xml")

    async def admit(self, body: bytes, name: str, caller: CallerConfig) -> tuple[CommandSet, str, Envelope]:
        """Parse, identify, authorize and validate ``body``; its command and envelope. Raises `DocumentRefused`
        or `NotAuthorized`. The parsed tree lives in this frame only: it is freed before the route is awaited
        (see `Acceptance`)."""
        if len(body) > OFFLOAD_BYTES:
            element = await anyio.to_thread.run_sync(parse_document, body, self.validator.limits)
        else:
            element = parse_document(body, self.validator.limits)
        command_set, command = self.validator.identify(element, expected_set=name)
        CallerDirectory.authorize_command(caller, command_set.command_type(command))
        validated = self.validator.validate_element(element, expected_set=name)
        return command_set, command, self.acceptance.admit(validated, caller, ingress="xml", document=body)

    def reply(self, command_set: CommandSet, command: str, reply: bytes) -> Response:
        """A request's answer: 200 with the response document, 422 with the backend's refusal, or 502."""
        try:
            checked_reply(command_set, command, reply, self.validator.limits)
        except ReplyRefusal as refusal:
            body = etree.tostring(refusal.error, xml_declaration=True, encoding="UTF-8")
            return Response(body, status_code=422, media_type="application/xml")
        except BadReply as exc:
            log.error("bad reply from a consumer", extra={"command": command_set.command_type(command),
                                                            "reason": str(exc)})
            return error_document(502, "bad-reply", str(exc))
        return Response(reply, status_code=200, media_type="application/xml")
