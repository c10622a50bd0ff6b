"""Replies to requests: what a consumer answered, checked before it goes back to the caller.

A reply is either the command's ``<Command>Response`` element, valid against the command set's XSD, or a
``c:Error`` document (the backend refused the request). Anything else is the backend's fault, never the
caller's: the ingress answers 502 / ``Server.BadReply``.
"""

from __future__ import annotations

from lxml import etree

from hub.validation.command_sets import CommandSet
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, parse_document
from hub.validation.violations import DocumentRefused

__all__ = ["BadReply", "ReplyRefusal", "checked_reply"]


class BadReply(Exception):
    """The consumer's reply is not a valid response: a backend defect (502)."""


class ReplyRefusal(Exception):
    """The backend refused the request with a ``c:Error`` document."""

    def __init__(self, error: etree._Element) -> None:
        self.error = error
        super().__init__(error.findtext(f"{{{COMMON_NS}}}Message") or "refused by the backend")

    @property
    def code(self) -> str:
        return self.error.findtext(f"{{{COMMON_NS}}}Code") or "refused"

    def document(self) -> bytes:
        """The backend's ``c:Error`` as a document, to pass on unchanged."""
        data: bytes = etree.tostring(self.error, xml_declaration=True, encoding="UTF-8")
        return data


def checked_reply(command_set: CommandSet, command: str, reply: bytes, limits: ParserLimits) -> etree._Element:
    """The reply's root element if it is this command's valid response; raises `ReplyRefusal` or `BadReply`."""
    try:
        root = parse_document(reply, ParserLimits(max(limits.max_bytes, 16 * 1024 * 1024), limits.max_depth))
    except DocumentRefused as exc:
        raise BadReply(f"the reply is not usable XML: {exc}") from None
    expected = f"{{{command_set.namespace}}}{command}Response"
    if root.tag == f"{{{COMMON_NS}}}Error":
        raise ReplyRefusal(root)
    if root.tag != expected:
        raise BadReply(f"the reply is {root.tag}, expected {expected}")
    schema = command_set.lxml_schema
    if not schema.validate(root):
        first = schema.error_log[0]
        raise BadReply(f"the reply is not valid: line {first.line}: {first.message}")
    return root
