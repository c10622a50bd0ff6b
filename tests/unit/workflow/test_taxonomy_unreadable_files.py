"""A taxonomy file that cannot be read is reported first and alone: the references the other files make into what
it would have defined are not each reported as naming nothing (one unclosed quote in templates.toml made 115
"unknown template" lines, the syntax error sorted last), but said once to be unchecked."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.taxonomy import TaxonomyError, load_taxonomy

pytestmark = pytest.mark.unit


def _break(path: Path, text: str) -> None:
    content = path.read_text("utf-8")
    assert text in content
    path.write_text(content.replace(text, text[:-1], 1), "utf-8")  # the closing quote gone


def _problems(path: Path) -> list[str]:
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    return [str(problem) for problem in caught.value.problems]


def test_an_unclosed_quote_in_templates_is_the_first_problem_and_the_categories_are_not_each_named(
        seed: Path) -> None:
    _break(seed / "templates.toml", 'name = "Coverage fault"')
    problems = _problems(seed)
    assert len(problems) == 2, "\n".join(problems)
    assert problems[0].startswith(f"{seed / 'templates.toml'}: -: not valid TOML")
    assert "(at line" in problems[0]
    assert problems[1].startswith(f"{seed / 'templates.toml'}: -: references not checked until this file can be read")
    assert "to templates" in problems[1]
    assert not any("unknown template" in problem for problem in problems)


def test_an_unreadable_fields_file_leaves_its_fields_and_targets_unchecked_not_named_one_by_one(seed: Path) -> None:
    _break(seed / "fields.toml", 'label = "Phone number"')
    problems = _problems(seed)
    assert len(problems) == 2, "\n".join(problems)
    assert "not valid TOML" in problems[0]
    assert "to fields" in problems[1] and "to targets" in problems[1]
    assert not any("unknown field" in p or "unknown target" in p or "no fields" in p for p in problems)


def test_the_other_files_own_problems_are_still_named_after_the_unreadable_one(seed: Path) -> None:
    _break(seed / "templates.toml", 'name = "Coverage fault"')
    categories = seed / "categories.toml"
    categories.write_text(categories.read_text("utf-8").replace('{ code = "01", ', '{ code = "1", ', 1), "utf-8")
    problems = _problems(seed)
    assert "not valid TOML" in problems[0]
    assert any("bad code '1'" in problem for problem in problems[2:])


def test_references_into_readable_sections_are_still_checked(seed: Path) -> None:
    """categories.toml unreadable: a template's unknown target (targets are in fields.toml) is still named."""
    _break(seed / "categories.toml", 'name = "Basic voice and network quality"')
    templates = seed / "templates.toml"
    templates.write_text(templates.read_text("utf-8").replace('target = "NMC"', 'target = "NMCC"', 1), "utf-8")
    problems = _problems(seed)
    assert "not valid TOML" in problems[0]
    assert any("unknown target 'NMCC'" in problem for problem in problems)


def test_the_check_command_prints_the_syntax_error_first(seed: Path) -> None:
    _break(seed / "templates.toml", 'name = "Coverage fault"')
    result = CliRunner().invoke(main, ["taxonomy", "check", str(seed)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert len(lines) == 2 and "not valid TOML" in lines[0], result.output
