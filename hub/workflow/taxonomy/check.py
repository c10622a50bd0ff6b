"""Checking the raw vocabulary, targets and templates, building them; every problem is noted, none stops the check.

The categories are checked by `hub.workflow.taxonomy.check_categories`, against the templates built here. What a
dispatch document can carry bounds the data (`hub.workflow.taxonomy.dispatch_limits`): a field's name, how many
fields a template requires, a choice's length, a template's NSP ``function``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from hub.workflow.sla import ROLE
from hub.workflow.taxonomy.dispatch_limits import (
    CHECKS_DONE,
    DISPATCH_FIELDS,
    FIELD_NAME_LENGTH,
    FIELD_VALUE_LENGTH,
    FUNCTION_CODES,
    HUB_ADDED_FIELDS,
    LONG_TEXT,
    SHORT_TEXT,
)
from hub.workflow.taxonomy.errors import Problems
from hub.workflow.taxonomy.fields import FIELD_TYPES, FieldSpec
from hub.workflow.taxonomy.sources import Entry
from hub.workflow.taxonomy.templates import SYSTEM_CODES, DispatchTemplate, Target

__all__ = ["MAX_QUESTIONS", "build_fields", "build_targets", "build_templates", "known_keys", "text_of", "unique"]

MAX_QUESTIONS = 5  # intake questions before handing over: 3-5 at most (domain notes, "Work-order rules")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATE_KEYS = ("name", "target", "questions", "checks", "fields", "function")


def unique(entries: Iterable[Entry], problems: Problems, what: str) -> list[Entry]:
    """The entries whose name is not taken by an earlier one; each later duplicate is a problem."""
    first: dict[str, Entry] = {}
    for entry in entries:
        if entry.name in first:
            problems.add(entry.source, entry.key, f"duplicate {what} (first in {first[entry.name].source})")
        else:
            first[entry.name] = entry
    return list(first.values())


def known_keys(entry: Entry, allowed: tuple[str, ...], problems: Problems) -> None:
    for key in entry.table:
        if key not in allowed:
            problems.add(entry.source, entry.key, f"unknown key {key!r} (expected {', '.join(allowed)})")


def text_of(entry: Entry, key: str, problems: Problems, *, required: bool = True) -> str:
    """A string value, stripped; a missing, blank or non-string required value is a problem."""
    value = entry.table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        if required or value is not None:
            problems.add(entry.source, entry.key, f"empty or missing {key}")
        return ""
    _bounded(entry, key, value.strip(), SHORT_TEXT, "c:ShortText", problems)
    return value.strip()


def _bounded(entry: Entry, key: str, text: str, limit: int, kind: str, problems: Problems) -> None:
    """A text QueryTemplate's answer carries as ``kind`` (at most ``limit`` characters): a longer one is a problem
    (the answer would fail its schema and the front end never get the template)."""
    if len(text) > limit:
        problems.add(entry.source, entry.key, f"{key} is {len(text)} characters: QueryTemplate answers it as "
                     f"{kind}, at most {limit}; shorten it")


def _texts(entry: Entry, key: str, problems: Problems, *, limit: int | None = SHORT_TEXT) -> tuple[str, ...]:
    value: Any = entry.table.get(key, [])
    if not isinstance(value, list):
        problems.add(entry.source, entry.key, f"{key} must be an array of strings")
        return ()
    texts: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.add(entry.source, entry.key, f"{key}[{index}] is empty or not a string")
        else:
            texts.append(item.strip())
            if limit is not None:
                _bounded(entry, f"{key}[{index}]", item.strip(), limit,
                         "c:ShortText" if limit == SHORT_TEXT else "c:LongText", problems)
    return tuple(texts)


def build_fields(entries: Iterable[Entry], problems: Problems) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for entry in unique(entries, problems, "field"):
        known_keys(entry, ("label", "label_zh", "type", "pattern", "choices"), problems)
        if not _NAME.fullmatch(entry.name):
            problems.add(entry.source, entry.key, "a field name is lower case letters, digits and _")
        elif len(entry.name) > FIELD_NAME_LENGTH:
            problems.add(entry.source, entry.key, f"the field name is {len(entry.name)} characters: a dispatch "
                         f"names its fields in wo:FieldName, at most {FIELD_NAME_LENGTH}; shorten it")
        label = text_of(entry, "label", problems)
        kind = entry.table.get("type", "text")
        if kind not in FIELD_TYPES:
            problems.add(entry.source, entry.key, f"unknown type {kind!r} (expected {', '.join(FIELD_TYPES)})")
            kind = "text"
        pattern = None
        if (source := entry.table.get("pattern")) is not None:
            _bounded(entry, "pattern", str(source), LONG_TEXT, "c:LongText", problems)
            try:
                pattern = re.compile(str(source))
            except re.error as exc:
                problems.add(entry.source, entry.key, f"pattern is not a regular expression: {exc}")
        choices = _texts(entry, "choices", problems, limit=None)  # bounded below, as a dispatch carries them
        for index, choice in enumerate(choices):
            if len(choice) > FIELD_VALUE_LENGTH:
                problems.add(entry.source, entry.key, f"choices[{index}] is {len(choice)} characters: a dispatch "
                             f"carries a field's value in at most {FIELD_VALUE_LENGTH} (c:ShortText); shorten it")
        if (kind == "choice") != bool(choices):
            problems.add(entry.source, entry.key, "a field has choices if and only if its type is 'choice'")
        fields[entry.name] = FieldSpec(entry.name, label, str(kind), pattern, choices,
                                       text_of(entry, "label_zh", problems, required=False))
    return fields


def build_targets(entries: Iterable[Entry], problems: Problems) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for entry in unique(entries, problems, "target"):
        known_keys(entry, ("name", "name_zh", "system"), problems)
        system = entry.table.get("system")
        if system not in SYSTEM_CODES:
            problems.add(entry.source, entry.key, f"unknown system {system!r} (expected {', '.join(SYSTEM_CODES)})")
        elif entry.name in SYSTEM_CODES and entry.name != system:
            problems.add(entry.source, entry.key, f"the target {entry.name} is the system itself, not {system}")
        if not ROLE.fullmatch(entry.name):  # a dispatch makes it the owner, and the owner an OA UserId
            problems.add(entry.source, entry.key, f"the target code {entry.name!r} is not a department code: it "
                         "becomes the work order's owner and the OA user id of its items (c:PartyId: a letter or "
                         "digit, then up to 31 letters, digits, '.', '_' or '-')")
        targets[entry.name] = Target(entry.name, text_of(entry, "name", problems), str(system),
                                     text_of(entry, "name_zh", problems, required=False))
    return targets


def build_templates(entries: Iterable[Entry], fields: dict[str, FieldSpec], targets: dict[str, Target],
                    problems: Problems) -> dict[str, DispatchTemplate]:
    """The templates; one with an unknown target or field is still built (without it) so checking goes on."""
    templates: dict[str, DispatchTemplate] = {}
    for entry in unique(entries, problems, "template"):
        known_keys(entry, _TEMPLATE_KEYS, problems)
        target_code = entry.table.get("target")
        target = targets.get(target_code) if isinstance(target_code, str) else None
        if target is None:
            problems.unresolved(entry.source, entry.key, "targets", f"unknown target {target_code!r}")
            target = Target(str(target_code), str(target_code), "")
        questions = _texts(entry, "questions", problems, limit=LONG_TEXT)
        if not questions:
            problems.add(entry.source, entry.key, "no intake questions")
        elif len(questions) > MAX_QUESTIONS:
            problems.add(entry.source, entry.key,
                         f"{len(questions)} intake questions (at most {MAX_QUESTIONS} before handing over)")
        checks = _texts(entry, "checks", problems, limit=LONG_TEXT)
        if not checks:
            problems.add(entry.source, entry.key, "no pre-processing checks")
        elif len(checks) > CHECKS_DONE:
            problems.add(entry.source, entry.key, f"{len(checks)} pre-processing checks: a dispatch carries at most "
                         f"{CHECKS_DONE} as done (nsp:CheckDone, wo:CheckDone); list fewer")
        specs = _template_fields(entry, fields, problems)
        templates[entry.name] = DispatchTemplate(entry.name, text_of(entry, "name", problems), target, questions,
                                                 checks, tuple(specs), _function(entry, problems))
    return templates


def _template_fields(entry: Entry, fields: dict[str, FieldSpec], problems: Problems) -> list[FieldSpec]:
    """The template's known fields; the unknown and repeated ones named, and too many for a wo:Dispatch."""
    names = _texts(entry, "fields", problems)
    specs: list[FieldSpec] = []
    for name in names:
        if name not in fields:
            problems.unresolved(entry.source, entry.key, "fields", f"unknown field {name!r}")
        elif fields[name] in specs:
            problems.add(entry.source, entry.key, f"field {name!r} listed twice")
        else:
            specs.append(fields[name])
    if not names or (not specs and not problems.unsure("fields")):
        problems.add(entry.source, entry.key, "no fields: a dispatch must carry at least the phone number")
    carried = [name for name in dict.fromkeys(names) if name not in HUB_ADDED_FIELDS]
    if len(carried) > DISPATCH_FIELDS:
        problems.add(entry.source, entry.key, f"{len(carried)} fields besides {' and '.join(HUB_ADDED_FIELDS)} "
                     f"(which the hub adds): a wo:Dispatch carries at most {DISPATCH_FIELDS}; require fewer")
    return specs


def _function(entry: Entry, problems: Problems) -> str | None:
    """The template's ``function``: the nsp:FunctionAffected its phenomena concern (None: not given)."""
    function = entry.table.get("function")
    if function is None:
        return None
    if function not in FUNCTION_CODES:
        problems.add(entry.source, entry.key, f"unknown function {function!r} (nsp:FunctionAffected: "
                     f"{', '.join(FUNCTION_CODES)})")
        return None
    return str(function)
