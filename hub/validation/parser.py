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
- empty bodies and bytes that are not well-formed XML in their declared encoding: bytes that are not text in
  it are named with their line, column and the encoding (libxml2 reports them where it switched encodings);
- a byte-order mark and an encoding declaration that disagree (libxml2 would silently trust the mark), and 8-bit
  bytes that declare UTF-16 or UTF-32.

A document labelled with a GBK label (``gb2312``, ``GBK``, ``cp936``...) that libxml2 cannot read in that encoding
is read again as GB18030, as the WHATWG Encoding Standard reads those labels (``hub.validation.encodings``): only a
failed parse pays for it. ``decode_as`` reads the bytes in the encoding a request's Content-Type charset named
(``hub.validation.charsets``), for a document that names none itself.

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
from hub.validation.encodings import GB18030, Undecodable, codec_for, located, read_as_gb18030, undecodable
from hub.validation.violations import DocumentRefused, RefusalKind
from hub.validation.xml_prolog import (
    SelfDescription,
    check_byte_order_mark,
    check_declaration_width,
    has_doctype,
    self_description,
)

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
    "read_document",
]

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


def _gb18030_parser() -> etree.XMLParser:
    """The hardened parser that reads every document as GB18030, whatever its declaration says."""
    parser: etree.XMLParser | None = getattr(_local, "gb18030", None)
    if parser is None:
        parser = _local.gb18030 = _new_parser(encoding=GB18030)
    return parser


def _new_parser(encoding: str | None = None) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_document(
    data: bytes, limits: ParserLimits, *, check_structure: bool = True, decode_as: str | None = None
) -> etree._Element:
    """Parse untrusted bytes into an element tree, or raise `DocumentRefused` saying why.

    With ``check_structure=False`` the depth cap and the entity/XInclude refusal (`check_tree`) are left to the
    caller, which must run them unless a schema that bounds depth and allows no wildcards accepted the tree.
    ``decode_as``: the Python codec to read the bytes with (`hub.validation.charsets.charset_codec`: a request's
    charset, for a document whose bytes name no encoding); None reads them as they say, else as UTF-8.
    """
    return read_document(data, limits, check_structure=check_structure, decode_as=decode_as)[0]


def read_document(
    data: bytes, limits: ParserLimits, *, check_structure: bool = True, decode_as: str | None = None
) -> tuple[etree._Element, bool]:
    """`parse_document`, also saying whether the bytes alone read as this tree: whoever parses them next (a
    worker, with a plain XML parser) sees no Content-Type and no relabelling. Not so for bytes read in a charset's
    encoding (``decode_as``) into other text than ASCII reads them as: non-ASCII bytes, and the ASCII bytes of a
    7-bit escape encoding (HZ's ``~{...~}``, ISO-2022's ESC sequences, UTF-7's ``+...-``); nor for a GBK label
    read as GB18030 (``hub.validation.encodings``)."""
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
    root, as_labelled = _parse(data, limits, decode_as)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DocumentRefused.single(RefusalKind.FORBIDDEN, "a DOCTYPE is not allowed (DTDs and entities are refused)")
    check_attributes(root, limits)
    if check_structure:
        check_tree(root, limits)
    return root, as_labelled


def _parse(data: bytes, limits: ParserLimits, decode_as: str | None) -> tuple[etree._Element, bool]:
    """The tree, and whether it was read in the encoding the bytes name (or, for ASCII bytes, in any)."""
    if decode_as is not None:
        root, text = _parse_text(data, limits, decode_as)
        return root, data.isascii() and text == data.decode("ascii")  # HZ, ISO-2022-*, UTF-7: other text
    try:
        return etree.fromstring(data, parser=_parser()), True
    except etree.XMLSyntaxError as exc:
        failure = exc
    described = self_description(data) if _is_encoding_error(failure) else None
    if described is not None and described.source == "declaration" and read_as_gb18030(described.label):
        try:  # GBK characters outside GB2312 labelled gb2312 (.NET's name for code page 936), say
            return etree.fromstring(data, parser=_gb18030_parser()), False
        except etree.XMLSyntaxError as exc:
            failure = exc
    raise _refused(data, failure, limits, described)


def _parse_text(data: bytes, limits: ParserLimits, codec: str) -> tuple[etree._Element, str]:
    """Bytes that name no encoding, read in the one a request's charset named (`charset_codec`): the tree, and
    the text it was parsed from."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        named = "GBK or GB18030" if codec == GB18030 else codec.upper()
        raise _not_text(located(data, codec, exc), named, "the encoding the Content-Type's charset names") from None
    try:
        return etree.fromstring(text, parser=_parser()), text
    except etree.XMLSyntaxError as exc:
        raise _refused(data, exc, limits, None) from exc
    except ValueError as exc:  # lxml takes no text with an encoding declaration: charset_codec let none through
        raise DocumentRefused.single(RefusalKind.MALFORMED, f"not well-formed XML: {exc}", line=1) from exc


def _is_encoding_error(exc: etree.XMLSyntaxError) -> bool:
    message = (exc.msg or "").lower()
    return exc.code == etree.ErrorTypes.ERR_INVALID_ENCODING or "encoding" in message or "utf-8" in message


def _refused(
    data: bytes, exc: etree.XMLSyntaxError, limits: ParserLimits, described: SelfDescription | None
) -> DocumentRefused:
    """Why libxml2 refused ``data``, said so that the sender can find and fix it (failed parses only)."""
    if "excessive depth" in str(exc).lower():
        reason = f"the document nests deeper than {limits.max_depth} levels"
        return DocumentRefused.single(RefusalKind.TOO_DEEP, reason, line=exc.lineno or None)
    check_declaration_width(data)  # libxml2's "Blank needed here" would name neither encoding
    if _is_encoding_error(exc):
        refused = _encoding_refused(data, described or self_description(data))
        if refused is not None:
            return refused
    return DocumentRefused.single(RefusalKind.MALFORMED, f"not well-formed XML: {exc.msg}", line=exc.lineno or None)


_SOURCES = {"mark": "the encoding its byte-order mark says", "declaration": "the encoding its XML declaration names",
            "first characters": "the encoding its first characters show"}


def _encoding_refused(data: bytes, described: SelfDescription | None) -> DocumentRefused | None:
    """Bytes that are not text in the encoding the document is read in, named by line and column; None when
    Python's codec reads them all (it and libxml2 disagree) or does not know the encoding."""
    if described is None:
        codec, named = "utf-8", "UTF-8"
        source = "XML's default: no byte-order mark, XML declaration or Content-Type charset names another"
    else:
        found = codec_for(described.label)
        if found is None:
            return None
        codec, named, source = found, described.label, _SOURCES[described.source]
        if codec == GB18030:
            source += ", read as GB18030 as every GBK label is"
        if described.source == "mark":
            data = data[len("\ufeff".encode(codec)):]
    at = undecodable(data, codec)
    return None if at is None else _not_text(at, named, source)


def _not_text(at: Undecodable, named: str, source: str) -> DocumentRefused:
    return DocumentRefused.single(
        RefusalKind.MALFORMED,
        f"not well-formed XML: the bytes {at.shown} at line {at.line}, column {at.column} are not {named} ({source}):"
        f" send the document in {named}, or name the encoding it is written in",
        line=at.line,
    )
