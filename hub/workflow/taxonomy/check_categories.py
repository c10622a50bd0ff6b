"""Checking the categories: code format, duplicates, parents, names, and which levels carry templates."""

from __future__ import annotations

from collections.abc import Iterable

from hub.workflow.taxonomy.check import known_keys, text_of, unique
from hub.workflow.taxonomy.errors import Problems
from hub.workflow.taxonomy.model import CODE_PATTERN, LEVEL_NAMES, Category, level_of, parent_of
from hub.workflow.taxonomy.sources import Entry
from hub.workflow.taxonomy.templates import DispatchTemplate

__all__ = ["build_categories"]

_KEYS = ("code", "name", "name_zh", "template")


def build_categories(entries: Iterable[Entry], templates: dict[str, DispatchTemplate],
                     problems: Problems) -> dict[str, Category]:
    """The well-formed categories, each phenomenon and refinement with its resolved template."""
    own: dict[str, tuple[Entry, str, DispatchTemplate | None]] = {}
    for entry in unique(entries, problems, "code"):
        known_keys(entry, _KEYS, problems)
        code = entry.table.get("code")
        if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
            problems.add(entry.source, entry.key, f"bad code {code!r} (NN, NN.NN, NN.NN.NN or NN.NN.NN.NNN)")
            continue
        name = text_of(entry, "name", problems)
        own[code] = (entry, name, _template(entry, code, templates, problems))
    categories: dict[str, Category] = {}
    for code in sorted(own):
        entry, name, template = own[code]
        parent = parent_of(code)
        if parent is not None and parent not in own:
            problems.unresolved(entry.source, code, "categories", _orphan(code, parent))
        inherited = level_of(code) == 4 and template is None and parent in own
        if inherited:
            template = own[str(parent)][2]  # a refinement inherits its phenomenon's template
        categories[code] = Category(code, name, text_of(entry, "name_zh", problems, required=False), template,
                                    entry.source, inherited)
    return categories


def _template(entry: Entry, code: str, templates: dict[str, DispatchTemplate],
              problems: Problems) -> DispatchTemplate | None:
    level = level_of(code)
    template_id = entry.table.get("template")
    if template_id is None:
        if level == 3:
            problems.add(entry.source, code, "phenomenon without a dispatch template")
        return None
    if level < 3:
        problems.add(entry.source, code, f"a {LEVEL_NAMES[level]} takes no template (only levels 3 and 4 do)")
        return None
    if not isinstance(template_id, str) or template_id not in templates:
        problems.unresolved(entry.source, code, "templates", f"unknown template {template_id!r}")
        return None
    return templates[template_id]


def _orphan(code: str, parent: str) -> str:
    if level_of(code) == 4:
        return f"refinement not under a phenomenon: no level-3 category {parent}"
    return f"parent {parent} ({LEVEL_NAMES[level_of(parent)]}) is missing"
