"""README and ``scripts/dev`` count and name the emulators as the catalogue holds them (the newcomer audit: "five
emulators" where six run, the pytest plugin's paragraph without ``mail_emulator``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import emulators.pytest_plugin as plugin
from emulators.catalog import EMULATORS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
README = " ".join((ROOT / "README.md").read_text("utf-8").split())
WORDS = {5: "five", 6: "six", 7: "seven"}


def test_the_emulators_are_counted_as_many_as_run() -> None:
    assert len(EMULATORS) == 6
    for text in (README, " ".join((ROOT / "scripts" / "dev").read_text("utf-8").split())):
        counted = re.findall(r"the (\w+) emulators", text)
        assert [word for word in counted if word in WORDS.values() and word != WORDS[len(EMULATORS)]] == []


def test_the_plugin_paragraph_names_every_fixture() -> None:
    fixtures = sorted(f"{name}_emulator" for name in EMULATORS if hasattr(plugin, f"{name}_emulator"))
    assert len(fixtures) == len(EMULATORS)
    paragraph = README.split("registers a pytest plugin with one fixture per emulator", 1)[1].split(")", 1)[0]
    assert [name for name in fixtures if f"`{name}`" not in paragraph] == []
