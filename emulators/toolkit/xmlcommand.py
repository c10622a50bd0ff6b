"""XML-over-HTTP plumbing shared by the NSP, DSMP and OA emulators.

Every one of them takes its command documents at ``POST /xml`` (the root element names the command, as on the
hub's ``/xml/<set>`` ingress), validates each with the hub's :class:`~hub.validation.DocumentValidator` against its
XSD and answers:

- ``200`` with ``<XResponse>`` (Ack MessageId/CorrelationId copied from the request) when the command is handled;
- ``400`` with a ``c:Error`` listing every violation (malformed, hostile, unknown or schema-invalid document, or a
  command this system does not take), ``413`` over the size cap, ``415`` for a body that is not XML;
- other ``4xx`` with a ``c:Error`` for refusals of the system's own (unknown item, a period that ends before it starts).

Times are China Standard Time (``+08:00``) with milliseconds, as the operator's systems write them.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from lxml import etree
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from emulators.toolkit import EmulatorApp, EmulatorHooks, root_element_operation
from emulators.toolkit.xmltext import XmlTextError, check_json_text, check_xml_text
from hub.validation import (
    CommandSetRegistry,
    DocumentRefused,
    DocumentValidator,
    RefusalKind,
    ValidatedCommand,
    Violation,
)
from hub.validation.charsets import charset_codec, charset_parameter
from hub.validation.error_document import error_bytes
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import parse_document

__all__ = [
    "COMMON_NS",
    "CST",
    "CommandError",
    "CommandHandler",
    "MessageIds",
    "ServiceEmulatorApp",
    "XmlTextError",
    "add_header",
    "check_json_text",
    "command_endpoint",
    "error_document",
    "iso",
    "response_root",
    "route_operation",
    "sub",
    "text_of",
    "validate_own",
    "validator",
    "xml_hooks",
]

CST = timezone(timedelta(hours=8), "CST")
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})

CommandHandler = Callable[[ValidatedCommand], etree._Element]


@lru_cache(maxsize=1)
def validator() -> DocumentValidator:
    """One validator over the installed command sets (compiled once per process; thread-safe to use)."""
    return DocumentValidator(CommandSetRegistry.installed())


def error_document(status: int, code: str, message: str, violations: list[Violation] | None = None) -> Response:
    """An error answer: a ``c:Error`` document (valid against common.xsd) with this HTTP status."""
    return Response(error_bytes(code, message, violations or []), status_code=status, media_type="application/xml")


class CommandError(Exception):
    """A refusal answered with a ``c:Error`` document (status, code, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> Response:
        return error_document(self.status, self.code, self.message)


def iso(epoch: float) -> str:
    """``2026-11-23T09:21:40.125+08:00`` for an epoch time."""
    return datetime.fromtimestamp(epoch, CST).isoformat(timespec="milliseconds")


def text_of(element: etree._Element, local: str, ns: str) -> str | None:
    found = element.find(f"{{{ns}}}{local}")
    return None if found is None else (found.text or "")


def sub(parent: etree._Element, ns: str, local: str, value: object | None = None) -> etree._Element:
    """A child element ``local`` with ``value`` as its text; :class:`XmlTextError` (a ValueError naming ``local``)
    when the text holds a character XML 1.0 cannot carry, where lxml would raise a bare ValueError."""
    text = None if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    if text is not None:
        check_xml_text(local, text)
    child = etree.SubElement(parent, f"{{{ns}}}{local}")
    if text is not None:
        child.text = text
    return child


def response_root(command: ValidatedCommand, status: str, received_at: float) -> etree._Element:
    """``<XResponse>`` with its Ack: MessageId and CorrelationId as in the request."""
    ns = command.command_set.namespace
    prefix = command.command_set.name
    root = etree.Element(f"{{{ns}}}{command.command}Response", nsmap={prefix: ns, "c": COMMON_NS})
    ack = sub(root, ns, "Ack")
    sub(ack, COMMON_NS, "MessageId", command.message_id)
    if command.correlation_id:
        sub(ack, COMMON_NS, "CorrelationId", command.correlation_id)
    sub(ack, COMMON_NS, "Status", status)
    sub(ack, COMMON_NS, "ReceivedAt", iso(received_at))
    return root


def add_header(
    root: etree._Element, ns: str, *, message_id: str, source: str, sent_at: float, correlation_id: str | None = None
) -> None:
    """The MessageHeader every command starts with (for documents an emulator sends)."""
    header = sub(root, ns, "Header")
    sub(header, COMMON_NS, "MessageId", message_id)
    if correlation_id:
        sub(header, COMMON_NS, "CorrelationId", correlation_id)
    sub(header, COMMON_NS, "SourceSystem", source)
    sub(header, COMMON_NS, "SentAt", iso(sent_at))


def validate_own(root: etree._Element) -> ValidatedCommand:
    """Validate a document this emulator built (raises :class:`DocumentRefused` listing every violation)."""
    return validator().validate_element(root)


class MessageIds:
    """Message ids for documents an emulator sends: ``nsp-<run>-000001``. The run part is random per start and
    reset, so that the hub, which deduplicates by message id, never mistakes a restarted emulator's messages for
    ones it has seen (the emulator's *data* stays seeded)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._run = secrets.token_hex(4)
            self._counter = itertools.count(1)

    def next(self) -> str:
        with self._lock:
            return f"{self.prefix}-{self._run}-{next(self._counter):06d}"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def command_endpoint(
    command_set: str, handlers: Mapping[str, CommandHandler]
) -> Callable[[Request], Awaitable[Response]]:
    """The ``POST /xml`` endpoint: validate, refuse with every violation, or run the command's handler."""

    def handle(body: bytes, charset: str | None) -> Response:
        try:  # a charset the document does not name its encoding by reads it, as at the hub (RFC 7303)
            codec = None if charset is None else charset_codec(body, charset)
            checker = validator()
            element = parse_document(body, checker.limits, check_structure=False, decode_as=codec)
            command = checker.validate_element(element, expected_set=command_set, structure_checked=False)
        except DocumentRefused as exc:
            status = 413 if exc.kind is RefusalKind.TOO_LARGE else 400
            return error_document(status, exc.kind.value, str(exc), exc.violations)
        handler = handlers.get(command.command)
        if handler is None:
            return error_document(400, "unsupported-command", f"{command_set} does not take {command.command}; "
                                  f"it takes: {', '.join(sorted(handlers))}")
        try:
            root = handler(command)
        except CommandError as exc:
            return exc.response()
        except XmlTextError as exc:
            return error_document(400, "invalid-text", str(exc))
        body_out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return Response(body_out, status_code=200, media_type="application/xml")

    async def endpoint(request: Request) -> Response:
        if _media_type(request) not in XML_MEDIA_TYPES:
            return error_document(415, "unsupported-media-type", "send the command as application/xml or text/xml")
        body = await request.body()
        _, _, parameters = request.headers.get("content-type", "").partition(";")
        return await run_in_threadpool(handle, body, charset_parameter(parameters) if parameters else None)

    return endpoint


def route_operation(routes: Sequence[tuple[str, str, str]]) -> Callable[[bytes, Mapping[str, Any]], str | None]:
    """An operation extractor for the journal and faults: the root element for ``POST /xml``, otherwise the name
    of the first ``(method, path regex, name)`` matching, e.g. ``("POST", "/nsp/outages", "RaiseOutage")``."""
    compiled = [(method, re.compile(pattern), name) for method, pattern, name in routes]

    def operation(body: bytes, scope: Mapping[str, Any]) -> str | None:
        path: str = scope.get("path", "")
        if path == "/xml":
            return root_element_operation(body)
        method = scope.get("method", "GET")
        return next((name for m, rx, name in compiled if m == method and rx.fullmatch(path)), None)

    return operation


def xml_hooks(command_set: str, routes: Sequence[tuple[str, str, str]], *, served: Collection[str],
              reset: Callable[[], None], state: Callable[[], Mapping[str, Any]]) -> EmulatorHooks:
    """The hooks of an XML emulator: operations from the root element of ``POST /xml`` and from ``routes`` (the
    emulator's own control routes, which unscoped faults leave alone). Its commands are the ones it ``served``
    (takes at ``POST /xml``), not its whole command set: a set also holds the commands the emulator *sends* (NSP's
    OutageNotice and NetworkComplaintReply), and a fault or journal filter scoped to one of those could never
    match, so it is refused with the operations the emulator knows."""
    unknown = sorted(set(served) - validator().registry.get(command_set).commands)
    if unknown:
        raise ValueError(f"{command_set} has no command {', '.join(unknown)}")
    return EmulatorHooks(protocol="xml", operation=route_operation(routes), reset=reset, state=state,
                         commands=frozenset(served), controls=frozenset(name for _, _, name in routes))


class ServiceEmulatorApp(EmulatorApp):
    """An :class:`EmulatorApp` whose system runs background work (scheduled replies, call-backs): ``stop`` is
    called when the server shuts down, ``start`` when it (re)starts."""

    def __init__(self, app: Any, *, start: Callable[[], None], stop: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._start_service, self._stop_service = start, stop

    def close(self) -> None:
        super().close()
        self._stop_service()

    def reopen(self) -> None:
        super().reopen()
        self._start_service()
