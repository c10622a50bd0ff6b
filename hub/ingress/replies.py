"""Replies to requests: what a consumer answered, checked before it goes back to the caller.

A reply is either the command's ``<Command>Response`` element, valid against the command set's XSD, or a
``c:Error`` document (the backend refused the request). Anything else is the backend's fault, never the
caller's: the ingress answers 502 / ``Server.BadReply``.

A reply of a consumer whose answers were checked where they entered the hub (an adapter: its gateway checks the
system's answer against the same XSD, ``hub.gateways.check_answer``, and the adapter only stamps the caller's
ids in its Ack) is not checked against the XSD a second time: ``checked_reply(..., validated=True)`` still
parses it and reads what it is, and ``reply_kind`` reads only its root's start tag (the XML ingress passes the
bytes on as they came). Which consumers those are is the ingress's ``Acceptance`` to say.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from hub.validation.command_sets import CommandSet
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, parse_document
from hub.validation.violations import DocumentRefused

__all__ = ["BadReply", "ReplyRefusal", "checked_reply", "reply_kind"]


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


def _reply_limits(limits: ParserLimits) -> ParserLimits:
    return replace(limits, max_bytes=max(limits.max_bytes, 16 * 1024 * 1024))  # the other limits as configured


def checked_reply(command_set: CommandSet, command: str, reply: bytes, limits: ParserLimits, *,
                  validated: bool = False) -> etree._Element:
    """The reply's root element if it is this command's valid response; raises `ReplyRefusal` or `BadReply`.
    ``validated``: the reply was checked against the command set's XSD where it entered the hub (not again)."""
    try:
        root = parse_document(reply, _reply_limits(limits))
    except DocumentRefused as exc:
        raise BadReply(f"the reply is not usable XML: {exc}") from None
    expected = f"{{{command_set.namespace}}}{command}Response"
    if root.tag == f"{{{COMMON_NS}}}Error":
        raise ReplyRefusal(root)
    if root.tag != expected:
        raise BadReply(f"the reply is {root.tag}, expected {expected}")
    if validated:
        return root
    schema = command_set.lxml_schema
    if not schema.validate(root):
        errors = list(schema.error_log)  # the schema's log is shared: another thread's validate may empty it first
        said = f"line {errors[0].line}: {errors[0].message}" if errors else "it breaks its command set's XSD"
        raise BadReply(f"the reply is not valid: {said}")
    return root


def reply_kind(command_set: CommandSet, command: str, reply: bytes, limits: ParserLimits) -> None:
    """Nothing when ``reply`` (checked against the XSD where it entered the hub) is this command's response, read
    from its root's start tag only; raises `ReplyRefusal` (a ``c:Error``, parsed whole) or `BadReply`."""
    root = _root_tag(reply)
    if root == f"{{{COMMON_NS}}}Error":
        checked_reply(command_set, command, reply, limits, validated=True)  # raises ReplyRefusal with its fields
    expected = f"{{{command_set.namespace}}}{command}Response"
    if root != expected:
        raise BadReply(f"the reply is {root or 'not usable XML'}, expected {expected}")


def _root_tag(reply: bytes, chunk: int = 512) -> str | None:
    """The root element's ``{namespace}name``, from the first bytes of ``reply``; None if there is none."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, load_dtd=False)
    try:
        for start in range(0, len(reply), chunk):
            parser.feed(reply[start:start + chunk])
            for _, element in parser.read_events():
                return str(element.tag)
    except etree.XMLSyntaxError:
        return None
    return None
