"""Co-occurrence rules of a command set: what XSD 1.0 cannot say, e.g. "AdjustmentKind when, and only when, Kind is
PLANNED_WORK".

A rule belongs to one command type (``nsp.OutageNotice``) and checks a command that already passed its XSD. The
`CommandSetRegistry` gives each `CommandSet` the rules of its commands (``CommandSet.rules``) and `DocumentValidator`
runs them after the XSD, only for a command that has any; a broken rule is refused like an XSD violation
(``RefusalKind.INVALID``: 400 on the XML ingress, a SOAP Client fault, a line of ``onepoint validate``). The rules
of the installed command sets are declared in `hub.validation.command_rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from types import MappingProxyType

from lxml import etree

from hub.validation.violations import DocumentRefused, RefusalKind, Violation

__all__ = ["NO_RULES", "Check", "Rule", "RuleBook", "broken_rules", "enforce", "only_when", "path_of"]

Check = Callable[[etree._Element], Iterable[Violation]]
"""What a rule finds wrong in a command element that passed its XSD (nothing when it holds)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a command: what it says (for people) and its check; ``elements`` are the child elements it
    reads (local names), so that a test can hold each rule to the command's XSD."""

    says: str
    check: Check
    elements: tuple[str, ...] = ()


NO_RULES: Mapping[str, tuple[Rule, ...]] = MappingProxyType({})


def _step(node: etree._Element) -> str:
    """A path step as the XSD violations write it: ``prefix:local`` (the document's own prefix), ``[n]`` (from 1)
    when the element repeats."""
    local = etree.QName(node).localname
    name = f"{node.prefix}:{local}" if node.prefix else local
    parent = node.getparent()
    same = [] if parent is None else [n for n in parent if n.tag == node.tag]
    return f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name


def path_of(node: etree._Element, command: etree._Element) -> str:
    """``/nsp:OutageNotice/nsp:Kind``: the node's path from the command element, as in the XSD violations (the
    command may sit in a SOAP Body: its ancestors are not part of the path)."""
    steps = [_step(node)]
    for ancestor in node.iterancestors():
        steps.append(_step(ancestor))
        if ancestor is command:
            break
    return "/" + "/".join(reversed(steps))


def only_when(element: str, *, field: str, equals: str) -> Rule:
    """``element`` must be present when the child ``field`` is ``equals`` and absent otherwise (both children of
    the command, in the command's namespace)."""

    def check(command: etree._Element) -> Iterable[Violation]:
        namespace = etree.QName(command).namespace
        found, value = command.find(f"{{{namespace}}}{element}"), command.find(f"{{{namespace}}}{field}")
        if value is None:  # the XSD made it optional: nothing to tie to
            return ()
        if (value.text or "").strip() == equals:
            if found is None:
                return (Violation(value.sourceline, path_of(value, command),
                                  f"{field} {equals} needs its {element}, which is missing"),)
        elif found is not None:
            return (Violation(found.sourceline, path_of(found, command),
                              f"{element} is only for {field} {equals}, not {field} {(value.text or '').strip()}"),)
        return ()

    return Rule(f"{element} when, and only when, {field} is {equals}", check, (element, field))


class RuleBook:
    """Rules by command type (``<set>.<Command>``), in the order they were added."""

    def __init__(self) -> None:
        self._rules: dict[str, tuple[Rule, ...]] = {}

    def add(self, command_type: str, *rules: Rule) -> RuleBook:
        set_name, dot, command = command_type.partition(".")
        if not (set_name and dot and command):
            raise ValueError(f"a rule belongs to a command type such as 'nsp.OutageNotice', not {command_type!r}")
        self._rules[command_type] = (*self._rules.get(command_type, ()), *rules)
        return self

    def command_types(self) -> list[str]:
        return sorted(self._rules)

    def rules_of(self, command_type: str) -> tuple[Rule, ...]:
        return self._rules.get(command_type, ())

    def of_set(self, set_name: str) -> Mapping[str, tuple[Rule, ...]]:
        """Command (local name) → its rules, for the commands of ``set_name`` that have any."""
        prefix = f"{set_name}."
        found = {t.removeprefix(prefix): rules for t, rules in self._rules.items() if t.startswith(prefix)}
        return MappingProxyType(found) if found else NO_RULES


def enforce(rules: Iterable[Rule], element: etree._Element) -> None:
    """Every violation of ``rules`` in ``element`` (a command that passed its XSD), refused at once; else nothing."""
    violations = broken_rules(rules, element)
    if violations:
        raise DocumentRefused(RefusalKind.INVALID, violations)


def broken_rules(rules: Iterable[Rule], element: etree._Element, *, schema_valid: bool = True,
                 limit: int | None = None) -> list[Violation]:
    """The violations of ``rules`` in ``element``. ``schema_valid=False``: the XSD refused the tree, which may
    then break what a rule takes for granted; a rule whose check fails on it says nothing (its violations would
    follow the XSD's). ``limit``: at most that many violations of each rule."""
    found: list[Violation] = []
    for rule in rules:
        found.extend(_violations(rule, element, limit) if schema_valid else _tolerated(rule, element, limit))
    return found


def _violations(rule: Rule, element: etree._Element, limit: int | None) -> list[Violation]:
    return list(islice(rule.check(element), limit))


def _tolerated(rule: Rule, element: etree._Element, limit: int | None) -> list[Violation]:
    """A rule's violations in a tree its XSD refused; none when the rule cannot read that tree."""
    try:
        return _violations(rule, element, limit)
    except Exception:  # a rule may assume the XSD held; the XSD's own violations say what is wrong
        return []
