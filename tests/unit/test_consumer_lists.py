"""Every list of the consumers a person reads names each one the hub runs (``hub.system.consumers``): ``onepoint
worker --help`` (derived from the code), README's command table, its ``[workers]`` comment and the files
``onepoint processed copy`` takes in "Moving one hub to several" (the newcomer audit: ``mail`` was missing from
each)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.system.consumers import CONSUMER_PACKAGES

pytestmark = pytest.mark.unit

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ADAPTERS = [c for c in CONSUMER_PACKAGES if c != "workflow"]  # the workflow keeps its records in its database


def test_worker_help_lists_every_consumer() -> None:
    result = CliRunner().invoke(main, ["worker", "--help"])
    text = " ".join(result.output.split())
    listed = re.search(r"queue of CONSUMER \(([^)]*)\)", text)
    assert listed is not None, result.output
    assert [c.strip() for c in listed.group(1).split(",")] == list(CONSUMER_PACKAGES)


def test_readme_command_table_names_every_consumer() -> None:
    (row,) = [line for line in README.splitlines() if line.startswith("| `onepoint worker CONSUMER")]
    assert [c for c in CONSUMER_PACKAGES if f"`{c}`" not in row] == [], row


def test_readme_workers_comment_names_every_adapters_worker() -> None:
    (line,) = [line for line in README.splitlines() if line.startswith("[workers]")]
    listed = [c.strip() for c in re.search(r"\(([^)]*)\)", line).group(1).split(",")]  # type: ignore[union-attr]
    assert listed == ADAPTERS


def test_processed_copy_step_names_every_adapters_file() -> None:
    step = re.search(r"`onepoint processed copy --from\s+onepoint-boss\.sqlite3`, likewise ([^:]*):", README)
    assert step is not None
    assert ["boss", *re.findall(r"`(\w+)`", step.group(1))] == ADAPTERS
