"""The checked complaint taxonomy: domains, services, phenomena and local refinements, with resolved templates.

Levels: 1 domain (``01``), 2 service (``01.02``), 3 phenomenon (``01.02.03``; levels 1-3 are the group
standard), 4 local refinement (``01.02.03.004``) which inherits its phenomenon's template unless it names one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from hub.workflow.taxonomy.fields import FieldSpec
from hub.workflow.taxonomy.templates import DispatchTemplate, Target

__all__ = ["CODE_PATTERN", "LEVEL_NAMES", "Category", "Taxonomy", "UnknownCategory", "level_of", "parent_of"]

CODE_PATTERN = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{3})?)?)?")
LEVEL_NAMES = {1: "domain", 2: "service", 3: "phenomenon", 4: "refinement"}


def level_of(code: str) -> int:
    """The level of a well-formed code: the number of its dot-separated parts."""
    return code.count(".") + 1


def parent_of(code: str) -> str | None:
    """The code one level up (None for a domain)."""
    return code.rsplit(".", 1)[0] if "." in code else None


class UnknownCategory(KeyError):
    """No category of this code, or not one that takes a template (a domain or a service)."""


@dataclass(frozen=True, slots=True)
class Category:
    """One node of the taxonomy; ``template`` is its resolved dispatch template (phenomena and refinements).

    ``inherited`` marks a refinement that names no template of its own and uses its phenomenon's.
    """

    code: str
    name: str
    name_zh: str
    template: DispatchTemplate | None
    source: str
    inherited: bool = False

    @property
    def level(self) -> int:
        return level_of(self.code)

    @property
    def parent(self) -> str | None:
        return parent_of(self.code)


class Taxonomy:
    """The whole checked taxonomy, in code order; immutable once built by `hub.workflow.taxonomy.load_taxonomy`.

    ``version`` is its files' content version (``hub.workflow.taxonomy.version``; empty for one built in memory):
    the processes on one work-order database compare theirs (``hub.workflow.rule_agreement``)."""

    def __init__(self, categories: Mapping[str, Category], templates: Mapping[str, DispatchTemplate],
                 fields: Mapping[str, FieldSpec], targets: Mapping[str, Target], source: str, *,
                 version: str = "") -> None:
        self._categories = {code: categories[code] for code in sorted(categories)}
        self.templates = dict(templates)
        self.fields = dict(fields)
        self.targets = dict(targets)
        self.source = source
        self.version = version  # the files' content version (taxonomy.version): compared between processes

    def __iter__(self) -> Iterator[Category]:
        return iter(self._categories.values())

    def __len__(self) -> int:
        return len(self._categories)

    def __contains__(self, code: object) -> bool:
        return code in self._categories

    def category(self, code: str) -> Category:
        try:
            return self._categories[code]
        except KeyError:
            raise UnknownCategory(f"no category {code!r} in the taxonomy") from None

    def phenomenon(self, code: str) -> DispatchTemplate:
        """The resolved dispatch template of a phenomenon (level 3) or refinement (level 4)."""
        category = self.category(code)
        if category.template is None:
            raise UnknownCategory(f"{code} is a {LEVEL_NAMES[category.level]}, not a phenomenon")
        return category.template

    def path(self, code: str) -> tuple[str, ...]:
        """The names of the levels from the domain down to ``code``."""
        names = [self.category(code).name]
        parent = parent_of(code)
        while parent is not None:
            names.append(self._categories[parent].name)
            parent = parent_of(parent)
        return tuple(reversed(names))

    def level(self, level: int) -> list[Category]:
        return [category for category in self if category.level == level]

    def domains(self) -> list[Category]:
        return self.level(1)

    def services(self) -> list[Category]:
        return self.level(2)

    def phenomena(self) -> list[Category]:
        return self.level(3)

    def refinements(self) -> list[Category]:
        return self.level(4)

    def children(self, code: str | None) -> list[Category]:
        """The categories one level below ``code`` (the domains for None)."""
        return [category for category in self if category.parent == code]

    def counts(self) -> dict[str, int]:
        """How many categories of each level, and templates, fields and targets."""
        return {"domains": len(self.domains()), "services": len(self.services()),
                "phenomena": len(self.phenomena()), "refinements": len(self.refinements()),
                "templates": len(self.templates), "fields": len(self.fields), "targets": len(self.targets)}

    def unused_templates(self) -> list[str]:
        """Templates no category uses (not an error: a warning for `onepoint taxonomy check`)."""
        used = {category.template.id for category in self if category.template is not None}
        return sorted(set(self.templates) - used)

    def unused_fields(self) -> list[str]:
        used = {name for template in self.templates.values() for name in template.field_names}
        return sorted(set(self.fields) - used)
