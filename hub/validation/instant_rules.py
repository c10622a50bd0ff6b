"""Co-occurrence rules about times and a status (``hub.validation.rules``), for what XSD 1.0 cannot say of an
outage notice: a time the hub can hold, an expected end not before the start, a clearance time only on a cleared
notice. Refused at the ingress, so every consumer of a broadcast reads the same notice (or none)."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from hub.validation.instants import InstantBeyondRange, InstantUnreadable, read_instant
from hub.validation.rules import Rule, path_of
from hub.validation.violations import Violation

__all__ = ["held_instants", "not_before", "only_on"]


def _child(command: etree._Element, name: str) -> etree._Element | None:
    return command.find(f"{{{etree.QName(command).namespace}}}{name}")


def held_instants(*elements: str) -> Rule:
    """Each of ``elements`` (``c:Timestamp`` children of the command) names a moment of years 1-9999 in UTC."""

    def check(command: etree._Element) -> Iterable[Violation]:
        for name in elements:
            found = _child(command, name)
            if found is None:
                continue
            try:
                read_instant(found.text or "")
            except InstantBeyondRange:
                yield Violation(found.sourceline, path_of(found, command),
                                f"{name} {(found.text or '').strip()} lies outside the years 0001-9999 (UTC) the "
                                f"hub keeps")
            except InstantUnreadable:  # the XSD's own violation says it
                continue

    return Rule(f"{', '.join(elements)} within the years 0001-9999 (UTC)", check, elements)


def not_before(later: str, earlier: str) -> Rule:
    """``later``, when given, is not before ``earlier`` (both ``c:Timestamp`` children of the command)."""

    def check(command: etree._Element) -> Iterable[Violation]:
        end, start = _child(command, later), _child(command, earlier)
        if end is None or start is None:
            return ()
        try:
            ordered = read_instant(end.text or "") >= read_instant(start.text or "")
        except InstantUnreadable:  # held_instants or the XSD says what is wrong with either
            return ()
        if ordered:
            return ()
        return (Violation(end.sourceline, path_of(end, command),
                          f"{later} {(end.text or '').strip()} is before {earlier} {(start.text or '').strip()}"),)

    return Rule(f"{later} not before {earlier}", check, (later, earlier))


def only_on(element: str, *, field: str, equals: str | tuple[str, ...]) -> Rule:
    """``element`` may be present only when the child ``field`` is ``equals`` (one of them, given several; it stays
    optional then)."""
    allowed = (equals,) if isinstance(equals, str) else equals
    said = " or ".join(allowed)

    def check(command: etree._Element) -> Iterable[Violation]:
        found, value = _child(command, element), _child(command, field)
        if found is None or value is None or (value.text or "").strip() in allowed:
            return ()
        return (Violation(found.sourceline, path_of(found, command),
                          f"{element} is only for {field} {said}, not {field} {(value.text or '').strip()}"),)

    return Rule(f"{element} only when {field} is {said}", check, (element, field))
