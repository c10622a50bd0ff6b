"""SOAP 1.1 header blocks (§4.2): which are targeted at us, which we must understand, and wsse:Security.

A block is ours when its ``soap:actor`` is absent (the ultimate recipient) or ``.../actor/next``; a block for
another actor is not ours to understand. One of ours with ``soap:mustUnderstand="1"`` that is not in
``understood`` is refused with a ``MustUnderstand`` Fault (§4.2.3). WS-Security 1.1 §6.1: at most one
``wsse:Security`` block per actor, and at most one without an actor. A fault about a header block is raised as a
``header_entry``: its Fault carries no ``detail`` (SOAP 1.1 §4.4).
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from hub.soap.fault import SoapFault
from hub.soap.namespaces import ACTOR_NEXT, SOAP_NS, WSSE_NS

__all__ = ["SECURITY", "UNDERSTOOD", "check_header", "header_blocks", "is_targeted_at_us", "security_block"]

SECURITY = f"{{{WSSE_NS}}}Security"
UNDERSTOOD = frozenset({SECURITY})  # the header blocks the hub processes
_MUST_UNDERSTAND = f"{{{SOAP_NS}}}mustUnderstand"
_ACTOR = f"{{{SOAP_NS}}}actor"
_YES, _NO = frozenset({"1", "true"}), frozenset({"0", "false"})


def _named(element: etree._Element) -> str:
    qname = etree.QName(element)
    return f"{qname.localname} ({qname.namespace})" if qname.namespace else qname.localname


def header_blocks(header: etree._Element | None) -> list[etree._Element]:
    """The header's blocks (its element children) in document order; none without a header."""
    return [] if header is None else [child for child in header if isinstance(child.tag, str)]


def _actor(block: etree._Element) -> str | None:
    actor = block.get(_ACTOR)
    return None if actor is None or not actor.strip() else actor.strip()


def is_targeted_at_us(block: etree._Element) -> bool:
    """Whether ``block`` is for this node: no ``soap:actor`` (the ultimate recipient) or ``.../actor/next``."""
    return _actor(block) in (None, ACTOR_NEXT)


def _must_understand(block: etree._Element) -> bool:
    value = block.get(_MUST_UNDERSTAND)
    if value is None or value.strip() in _NO:
        return False
    if value.strip() in _YES:
        return True
    raise SoapFault("Client.InvalidMustUnderstand",
                    f"soap:mustUnderstand of the header block {_named(block)} must be 0 or 1, not {value!r}",
                    code="invalid-must-understand", header_entry=True)


def check_header(header: etree._Element | None, understood: Collection[str] = UNDERSTOOD) -> None:
    """Refuse a header that breaks SOAP 1.1 §4.2 or WS-Security 1.1 §6.1; raises `SoapFault`.

    ``understood`` holds the Clark names (``{ns}local``) of the blocks the receiver processes."""
    if header is None:
        return
    if header.text is not None and header.text.strip():
        raise SoapFault("Client.TextContent", "soap:Header holds header blocks only, not text", code="text-content")
    security_actors: set[str | None] = set()
    for block in header_blocks(header):
        if block.tail is not None and block.tail.strip():
            raise SoapFault("Client.TextContent", "soap:Header holds header blocks only, not text",
                            code="text-content")
        if etree.QName(block).namespace is None:
            raise SoapFault("Client.UnqualifiedHeader",
                            f"the header block {block.tag!r} must be namespace-qualified (SOAP 1.1 §4.2)",
                            code="unqualified-header", header_entry=True)
        if block.tag == SECURITY:
            actor = _actor(block)
            if actor in security_actors:
                target = "without an actor" if actor is None else f"for the actor {actor!r}"
                raise SoapFault("Client.DuplicateSecurityHeader",
                                f"more than one wsse:Security header {target} (WS-Security 1.1 §6.1)",
                                code="duplicate-security-header", header_entry=True)
            security_actors.add(actor)
        if _must_understand(block) and is_targeted_at_us(block) and block.tag not in understood:
            raise SoapFault("MustUnderstand",
                            f"the header block {_named(block)} has soap:mustUnderstand=\"1\" and is not understood"
                            " here", code="must-understand")


def security_block(header: etree._Element | None) -> etree._Element | None:
    """The ``wsse:Security`` block for us: the one without an actor, else the one for ``.../actor/next``."""
    ours = [block for block in header_blocks(header) if block.tag == SECURITY and is_targeted_at_us(block)]
    ours.sort(key=lambda block: _actor(block) is not None)
    return ours[0] if ours else None
