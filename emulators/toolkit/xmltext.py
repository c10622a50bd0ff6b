"""Text an XML 1.0 document can hold, checked where an emulator's own routes take text in.

XML 1.0 has no way to write most control characters (U+0000-U+001F but tab, newline and return), the lone
surrogates a JSON ``\\ud800`` escape makes, or U+FFFE/U+FFFF. lxml refuses to set them as element text with a bare
``ValueError``; an emulator's JSON route (NSP's outages, OA's completions) that builds a document from what it was
given answers 400 naming the field instead (:func:`check_json_text` on the body, :class:`XmlTextError` from
:func:`~emulators.toolkit.xmlcommand.sub` as the last net).
"""

from __future__ import annotations

from typing import Any

from hub.validation.xml_chars import NOT_XML_CHAR

__all__ = ["XmlTextError", "check_json_text", "check_xml_text", "xml_text_problem"]


class XmlTextError(ValueError):
    """A field holds a character XML 1.0 cannot carry; ``field`` names it (a JSON key path or an element)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"'{field}' holds {problem}: XML 1.0 cannot carry it")
        self.field = field


def xml_text_problem(text: str) -> str | None:
    """What in ``text`` XML 1.0 cannot hold (``U+0001 at character 7``), or None when it can hold all of it."""
    bad = NOT_XML_CHAR.search(text)
    return None if bad is None else f"U+{ord(bad.group()):04X} at character {bad.start() + 1}"


def check_xml_text(field: str, text: str) -> str:
    """``text`` when XML 1.0 can hold it; else :class:`XmlTextError` naming ``field``."""
    problem = xml_text_problem(text)
    if problem is not None:
        raise XmlTextError(field, problem)
    return text


def check_json_text(value: Any, field: str = "") -> None:
    """Every string of a parsed JSON document (keys too) XML 1.0 can hold; else :class:`XmlTextError` naming the
    first bad one by its path (``title``, ``areas[0].district``). Iterative: any depth json.loads took."""
    pending: list[tuple[Any, str]] = [(value, field)]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            check_xml_text(path or "(the body)", item)
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                inner = f"{path}.{key}" if path else str(key)
                check_xml_text(f"{inner} (a key)", str(key))
                children.append((child, inner))
            pending.extend(reversed(children))
        elif isinstance(item, list):
            pending.extend(reversed([(child, f"{path}[{i}]") for i, child in enumerate(item)]))
