"""README's two accounts of ``scripts/dev test`` say what the script does (the newcomer audit: the quick start
named "venv, packages, RabbitMQ" where it also installs PostgreSQL 15; "Tests and benchmarks" said "ruff, mypy on
hub/ and pytest" where it also runs lint-imports, mypy on adapters, emulators and bench, and pytest on two
processes)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
DEV = (ROOT / "scripts" / "dev").read_text("utf-8")
TEST_STEPS = DEV.split("\n  test)\n", 1)[1].split(";;", 1)[0]


def said_of_the_tests() -> str:
    section = " ".join(README.split("## Tests and benchmarks", 1)[1].split())
    found = re.match(r"`scripts/dev test` runs (.*?)\. Tests are marked", section)
    assert found, section[:300]
    return found.group(1)


def test_the_quick_start_names_every_server_it_installs() -> None:
    line = re.search(r"^scripts/dev test\s+# (.*)$", README, re.M)
    assert line is not None
    installed = {"ensure_rabbitmq": "RabbitMQ", "ensure_postgresql": "PostgreSQL"}
    assert [name for step, name in installed.items() if step in TEST_STEPS and name not in line.group(1)] == []


def test_the_tests_section_names_every_step_the_script_runs() -> None:
    said = said_of_the_tests()
    steps = {"/ruff\" check .": "`ruff check`", "/lint-imports\"": "`lint-imports`",
             "--explicit-package-bases bench": "on `bench`", "--dist loadfile": "`pytest -n 2 --dist loadfile`"}
    assert [step for step in steps if step in TEST_STEPS and steps[step] not in said] == []
    assert 'workers="${ONEPOINT_TEST_WORKERS:-2}"' in TEST_STEPS
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]["packages"]
    assert [package for package in packages if f"`{package}`" not in said] == []
    assert "PostgreSQL" in said or "postgresql-15" in said
