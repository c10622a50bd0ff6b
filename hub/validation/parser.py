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
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from typing import ClassVar

from lxml import etree

from hub.validation.rules import path_of
from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = [
    "DEFAULT_MAX_ATTRIBUTES",
    "DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "ParserLimits",
    "check_attributes",
    "check_tree",
    "count_attributes",
    "crowded_element",
    "parse_document",
]

DEFAULT_MAX_BYTES = 1_048_576
DEFAULT_MAX_DEPTH = 64
# The XSDs give an element one attribute at most (wo:Field's name); a SOAP header block a handful (wsu:Id,
# soap:mustUnderstand, soap:actor). 64 leaves room for xsi: attributes and any envelope, and keeps the
# explaining pass cheap.
DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT = 64
# In all, in one document (replies of up to 16 MiB included): ours carry a few dozen at most.
DEFAULT_MAX_ATTRIBUTES = 10_000

XINCLUDE_NS = "http://www.w3.org/2001/XInclude"


@dataclass(frozen=True, slots=True)
class ParserLimits:
    """Caps applied to every incoming document."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_attributes_per_element: int = DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT
    max_attributes: int = DEFAULT_MAX_ATTRIBUTES

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        # libxml2 itself refuses more than 256 levels without huge_tree, which we never enable.
        if not 2 <= self.max_depth <= 256:
            raise ValueError("max_depth must be between 2 and 256")
        # Past a few hundred attributes on one element the explaining pass takes seconds (hub.validation.validator).
        if not 1 <= self.max_attributes_per_element <= 256:
            raise ValueError("max_attributes_per_element must be between 1 and 256")
        if self.max_attributes < self.max_attributes_per_element:
            raise ValueError("max_attributes must be at least max_attributes_per_element")


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


class _DepthProbe:
    """An XPath that is true when any element sits deeper than the cap (compiled once per limit)."""

    _cache: ClassVar[dict[int, etree.XPath]] = {}

    @classmethod
    def too_deep(cls, root: etree._Element, max_depth: int) -> bool:
        probe = cls._cache.get(max_depth)
        if probe is None:
            probe = etree.XPath("boolean(/" + "/*" * (max_depth + 1) + ")")
            cls._cache[max_depth] = probe
        return bool(probe(root))


_COUNT_ATTRIBUTES = etree.XPath("count(descendant-or-self::*/@*)")


class _AttributeProbe:
    """An XPath finding the first element with more attributes than the cap (compiled once per limit)."""

    _cache: ClassVar[dict[int, etree.XPath]] = {}

    @classmethod
    def first_crowded(cls, root: etree._Element, max_per_element: int) -> etree._Element | None:
        probe = cls._cache.get(max_per_element)
        if probe is None:
            probe = etree.XPath(f"(descendant-or-self::*[count(@*) > {max_per_element}])[1]")
            cls._cache[max_per_element] = probe
        found = probe(root)
        return found[0] if isinstance(found, list) and found and isinstance(found[0], etree._Element) else None


def crowded_element(root: etree._Element, max_per_element: int) -> etree._Element | None:
    """The first element (document order) with more than ``max_per_element`` attributes, or None."""
    return _AttributeProbe.first_crowded(root, max_per_element)


def count_attributes(root: etree._Element) -> int:
    """The attributes of ``root`` and every element below it (namespace declarations are not attributes)."""
    return int(_COUNT_ATTRIBUTES(root))


def _prefixed_name(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


_ROOT_START = re.compile(r"<[A-Za-z_:\u0080-\uffff]")
_ROOT_START_BYTES = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_WIDE_ENCODINGS = (  # encodings in which "<!DOCTYPE" is not ASCII bytes: detected as XML 1.0 Appendix F does
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)


def _has_doctype(data: bytes) -> bool:
    """Whether a DOCTYPE stands before the root element's start tag, in whatever encoding the bytes use."""
    if b"\x00" in data[:4] or data[:2] in (b"\xfe\xff", b"\xff\xfe"):
        for mark, codec in _WIDE_ENCODINGS:
            if data.startswith(mark):
                text = data.decode(codec, errors="replace")
                match = _ROOT_START.search(text)
                return "<!DOCTYPE" in (text if match is None else text[: match.start()])
    # UTF-8 and every ASCII-compatible encoding (GBK, GB18030, Latin-1...): only the prolog is searched
    found = _ROOT_START_BYTES.search(data)
    return b"<!DOCTYPE" in (data if found is None else data[: found.start()])


_BYTE_ORDER_MARKS = (  # (mark, what it says, the encoding names that agree with it); UTF-32 before UTF-16
    (b"\x00\x00\xfe\xff", "utf-32-be", frozenset({"utf-32", "utf-32-be", "ucs-4", "iso-10646-ucs-4"})),
    (b"\xff\xfe\x00\x00", "utf-32-le", frozenset({"utf-32", "utf-32-le", "ucs-4", "iso-10646-ucs-4"})),
    (b"\xef\xbb\xbf", "utf-8", frozenset({"utf-8"})),
    (b"\xfe\xff", "utf-16-be", frozenset({"utf-16", "utf-16-be", "ucs-2", "iso-10646-ucs-2"})),
    (b"\xff\xfe", "utf-16-le", frozenset({"utf-16", "utf-16-le", "ucs-2", "iso-10646-ucs-2"})),
)
_DECLARED_ENCODING = re.compile(r"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


def _encoding_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.strip().lower()


def _check_byte_order_mark(data: bytes) -> None:
    """Refuse a byte-order mark whose encoding the XML declaration contradicts (XML 1.0 §4.3.3, Appendix F)."""
    for mark, says, agreeing in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            prolog = data[len(mark): len(mark) + 400].decode(says, errors="replace")
            declared = _DECLARED_ENCODING.match(prolog)
            if declared is not None and _encoding_name(declared.group(1)) not in agreeing:
                label = says.upper().replace("-LE", "LE").replace("-BE", "BE")
                raise DocumentRefused.single(
                    RefusalKind.MALFORMED,
                    f"the byte-order mark says {label} but the XML declaration says encoding=\"{declared.group(1)}\":"
                    " they must agree",
                )
            return


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
        _check_byte_order_mark(data)
    if _has_doctype(data):
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


def check_attributes(root: etree._Element, limits: ParserLimits) -> None:
    """Refuse an element with more attributes than ``max_attributes_per_element``, or a tree with more than
    ``max_attributes`` in all (one XPath count for an ordinary document; the element is looked for only when
    the document holds more attributes than one element may)."""
    total = count_attributes(root)
    if total <= limits.max_attributes_per_element:
        return
    crowded = _AttributeProbe.first_crowded(root, limits.max_attributes_per_element)
    if crowded is not None:
        raise DocumentRefused.single(
            RefusalKind.TOO_LARGE,
            f"the element {_prefixed_name(crowded)} has {len(crowded.attrib)} attributes, over the limit of "
            f"{limits.max_attributes_per_element} attributes per element",
            line=crowded.sourceline,
            path=path_of(crowded, root),
        )
    if total > limits.max_attributes:
        raise DocumentRefused.single(
            RefusalKind.TOO_LARGE,
            f"the document has {total} attributes, over the limit of {limits.max_attributes} attributes in all",
        )


def check_tree(root: etree._Element, limits: ParserLimits) -> None:
    """Refuse a tree deeper than the cap, or holding entity references or XInclude elements."""
    if _DepthProbe.too_deep(root, limits.max_depth):
        raise DocumentRefused.single(RefusalKind.TOO_DEEP, f"the document nests deeper than {limits.max_depth} levels")
    for node in root.iter(etree.Entity, f"{{{XINCLUDE_NS}}}*"):
        line = node.sourceline
        if isinstance(node, etree._Entity):
            raise DocumentRefused.single(RefusalKind.FORBIDDEN, "entity references are not allowed", line=line)
        raise DocumentRefused.single(RefusalKind.FORBIDDEN, "XInclude is not allowed", line=line)
