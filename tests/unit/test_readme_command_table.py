"""README's command table names every option ``onepoint stats`` takes (the walkthrough audit: its row lacked
``--department``, ``--top`` and ``--config``, which the command's ``--help`` lists)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from hub.cli.stats import stats

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[2] / "README.md"


def options_of(command: click.Command) -> set[str]:
    return {name for param in command.params if isinstance(param, click.Option)
            for name in param.opts if name.startswith("--")}


def test_the_stats_row_names_every_option_of_its_help() -> None:
    (row,) = [line for line in README.read_text(encoding="utf-8").splitlines()
              if line.startswith("| `onepoint stats")]
    missing = sorted(option for option in options_of(stats) if option not in row)
    assert missing == [], row
    rebuild = stats.commands["rebuild"] if isinstance(stats, click.Group) else None
    assert rebuild is not None and all(option in row.split("onepoint stats rebuild")[1]
                                       for option in options_of(rebuild))


def _table_rows() -> list[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| `onepoint")]


def test_every_command_has_a_row_naming_its_subcommands() -> None:
    """Every command of ``onepoint --help`` has a row, and a group's row names each of its subcommands (the
    walkthrough audit: ``onepoint bulletin copy``, which "Moving one hub to several" uses, had none)."""
    from hub.cli.main import main

    assert isinstance(main, click.Group)
    rows = _table_rows()
    for name, command in main.commands.items():
        own = [row for row in rows if f"`onepoint {name}" in row or f"/ `onepoint {name}" in row]
        assert own, f"no row for onepoint {name}"
        if isinstance(command, click.Group):
            missing = [sub for sub in command.commands if not any(sub in row for row in own)]
            assert missing == [], f"onepoint {name}: {missing}"
