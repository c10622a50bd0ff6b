"""The README's Emulators section says which emulators need a call-back token with ``--hub-url`` and how
``--hub-token`` reads its value, as ``onepoint emulate`` does (an integration tester's audit: mail left out of
"nsp, oa"; "taken as written (= included)" while ``secret=part2`` is refused as "'secret' is not an emulator")."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from emulators.catalog import EMULATORS
from hub.cli.emulator_options import tokens_by_emulator
from hub.system.callbacks import DEVELOPMENT_CALLBACK_TOKENS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
README = " ".join((ROOT / "README.md").read_text("utf-8").split())
SECTION = README.split("## Emulators", 1)[1].split("## Configuration", 1)[0]


def test_every_emulator_that_calls_back_is_said_to_need_a_token_with_its_development_token() -> None:
    said = re.search(r"With `--hub-url`, an emulator that calls the hub back \(([^)]*)\) and has no token", SECTION)
    assert said, "the sentence on call-back tokens is gone"
    assert re.split(r", | and ", said.group(1)) == list(DEVELOPMENT_CALLBACK_TOKENS)
    for name, token in DEVELOPMENT_CALLBACK_TOKENS.items():
        assert f"`{name}={token}`" in SECTION


def test_the_hub_token_rule_the_readme_states_is_the_one_applied() -> None:
    registered = list(EMULATORS)
    assert "`--hub-token secret=part2` is refused" in SECTION
    with pytest.raises(click.BadParameter, match="'secret' is not an emulator"):
        tokens_by_emulator(("secret=part2",), ["nsp"], registered)
    assert "`--hub-token nsp=secret=part2`" in SECTION
    assert tokens_by_emulator(("nsp=secret=part2",), ["nsp"], registered) == {"nsp": "secret=part2"}
    assert "`c2VjcmV0LXRva2Vu==`" in SECTION  # base64 padding: taken whole
    assert tokens_by_emulator(("c2VjcmV0LXRva2Vu==",), ["nsp"], registered) == {"nsp": "c2VjcmV0LXRva2Vu=="}
    assert "taken as written (`=` included)" not in SECTION
