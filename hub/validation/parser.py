"""The hardened XML parser every ingress uses before anything else looks at a document.

What it refuses, and how:
- a DOCTYPE of any kind (internal subset or external DTD): refused outright, so no entity is ever declared,
  expanded or fetched (billion laughs, quadratic blowup, XXE, external DTDs);
- network access and entity resolution are off in libxml2 as a second line of defence;
- XInclude never runs (it only would if ``xinclude()`` were called; an ``xi:include`` element is refused);
- bodies over ``max_bytes`` and trees deeper than ``max_depth`` (both configurable);
- an element with more than ``max_attributes_per_element`` attributes, or a document with more than
  ``max_attributes`` in all (both configurable): refused before any schema work, since the explaining pass
  (xmlschema) spends time quadratic to cubic in the attributes of one element;
- empty bodies and bytes that are not well-formed XML in their declared encoding;
- a byte-order mark and an encoding declaration that disagree (libxml2 would silently trust the mark).

The caps and the checks of the parsed tree are ``hub.validation.document_limits``; the checks of the bytes before
the root element (DOCTYPE, byte-order mark) are ``hub.validation.xml_prolog``.
"""

from __future__ import annotations

import threading

from lxml import etree

from hub.validation.document_limits import (
    DEFAULT_MAX_ATTRIBUTES,
    DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    XINCLUDE_NS,
    ParserLimits,
    check_attributes,
    check_tree,
    count_attributes,
    crowded_element,
)
from hub.validation.violations import DocumentRefused, RefusalKind
from hub.validation.xml_prolog import check_byte_order_mark, has_doctype

__all__ = [
    "DEFAULT_MAX_ATTRIBUTES",
    "DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "XINCLUDE_NS",
    "ParserLimits",
    "check_attributes",
    "check_tree",
    "count_attributes",
    "crowded_element",
    "parse_document",
]

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_document(data: bytes, limits: ParserLimits, *, check_structure: bool = True) -> etree._Element:
    """Parse untrusted bytes into an element tree, or raise `DocumentRefused` saying why.

    With ``check_structure=False`` the depth cap and the entity/XInclude refusal (`check_tree`) are left to the
    caller, which must run them unless a schema that bounds depth and allows no wildcards accepted the tree.
    """
    if not data or data.isspace():
        raise DocumentRefused.single(RefusalKind.EMPTY, "the body is empty: a command document was expected")
    if len(data) > limits.max_bytes:
        raise DocumentRefused.single(
            RefusalKind.TOO_LARGE, f"the document is {len(data)} bytes, over the limit of {limits.max_bytes}"
        )
    if data[:1] in (b"\xef", b"\xfe", b"\xff", b"\x00"):
        check_byte_order_mark(data)
    if has_doctype(data):
        # Refused before libxml2 reads any declaration. Other encodings (UTF-16) are caught after the parse,
        # where libxml2's own entity-amplification limits have applied, with entity resolution off.
        raise DocumentRefused.single(RefusalKind.FORBIDDEN, "a DOCTYPE is not allowed (DTDs and entities are refused)")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        if "excessive depth" in str(exc).lower():
            reason = f"the document nests deeper than {limits.max_depth} levels"
            raise DocumentRefused.single(RefusalKind.TOO_DEEP, reason, line=exc.lineno or None) from exc
        raise DocumentRefused.single(
            RefusalKind.MALFORMED, f"not well-formed XML: {exc.msg}", line=exc.lineno or None
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DocumentRefused.single(RefusalKind.FORBIDDEN, "a DOCTYPE is not allowed (DTDs and entities are refused)")
    check_attributes(root, limits)
    if check_structure:
        check_tree(root, limits)
    return root
