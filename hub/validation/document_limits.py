"""The caps every incoming document is held to (``ParserLimits``: size, depth, attributes) and the checks of a
parsed tree against them (``hub.validation.parser`` runs them after the parse).

- a tree deeper than ``max_depth``, or holding an entity reference or an ``xi:include`` element (``check_tree``);
- an element with more than ``max_attributes_per_element`` attributes, or a document with more than
  ``max_attributes`` in all (``check_attributes``): refused before any schema work, since the explaining pass
  (xmlschema) spends time quadratic to cubic in the attributes of one element.

The XPaths that look are compiled once per limit.
"""

from __future__ import annotations

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
    "XINCLUDE_NS",
    "ParserLimits",
    "check_attributes",
    "check_tree",
    "count_attributes",
    "crowded_element",
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
