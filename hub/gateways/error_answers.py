"""The ``c:Error`` document an XML system (or a SOAP system's HTTP error page) answers a failed call with.

An XML system says why in a ``c:Error`` body (``Code``, ``Message``; schemas/common.xsd). It is read with the
hardened parser, at most ``MAX_ERROR_BYTES`` (a larger body is not read: its status alone is the reason), in the
charset its ``Content-Type`` names when its bytes name no encoding (``answer_codec``), and its code and message are
clipped; ``hub.gateways.failures`` turns them into the refusal's ``detail`` (and ``error_code``) or the
unavailability's reason.
"""

from __future__ import annotations

from lxml import etree

from hub.validation.charsets import charset_codec, charset_parameter
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, parse_document
from hub.validation.violations import DocumentRefused

__all__ = ["MAX_ERROR_BYTES", "answer_codec", "error_answer", "error_document", "error_fields"]

MAX_ERROR_BYTES = 65_536  # a c:Error body larger than this is not read (its status alone is the reason)
_ERROR_LIMITS = ParserLimits(max_bytes=MAX_ERROR_BYTES, max_depth=8, max_attributes_per_element=16,
                             max_attributes=64)
_MAX_CODE, _MAX_MESSAGE = 100, 500  # characters of the c:Error's Code and Message kept


def answer_codec(content: bytes, content_type: str | None) -> str | None:
    """The codec to read an answer's ``content`` with because its ``content_type`` names a charset (as the ingress
    reads a request: ``hub.validation.charsets.charset_codec``); None: as its bytes say. Lenient, unlike the
    ingress: a charset the bytes contradict, or one the hub does not know, is a backend's misconfigured server (a
    Java container adding ``charset=ISO-8859-1`` to a document declaring UTF-8) that nobody here can fix, so the
    bytes' own mark or declaration wins, as it did before the charset was read."""
    _, _, parameters = (content_type or "").partition(";")
    charset = charset_parameter(parameters) if parameters else None
    if charset is None:
        return None
    try:
        return charset_codec(content, charset)
    except DocumentRefused:
        return None


def error_document(content: bytes, content_type: str | None = None) -> etree._Element | None:
    """The ``c:Error`` document of an answer body (read in the charset ``content_type`` names, if its bytes name
    none); None if ``content`` is not one, is unreadable, or is larger than ``MAX_ERROR_BYTES``."""
    if not content or len(content) > MAX_ERROR_BYTES:
        return None
    try:
        root = parse_document(content, _ERROR_LIMITS, decode_as=answer_codec(content, content_type))
    except Exception:  # not a document (or not in its charset): the status line is all there is
        return None
    return root if root.tag == f"{{{COMMON_NS}}}Error" else None


def error_fields(error: etree._Element) -> tuple[str, str] | None:
    """``(Code, Message)`` of a ``c:Error`` document, whitespace collapsed and clipped; None if both are empty."""
    code = " ".join((error.findtext(f"{{{COMMON_NS}}}Code") or "").split())[:_MAX_CODE]
    message = " ".join((error.findtext(f"{{{COMMON_NS}}}Message") or "").split())[:_MAX_MESSAGE]
    return (code, message) if code or message else None


def error_answer(content: bytes, content_type: str | None = None) -> tuple[str, str] | None:
    """``(Code, Message)`` of a ``c:Error`` answer body, clipped; None if ``content`` is not one (or too large).
    ``content_type``: the answer's header, whose charset reads a body that names no encoding (a GBK ``c:Error``
    labelled ``application/xml; charset=GBK``)."""
    error = error_document(content, content_type)
    return None if error is None else error_fields(error)
