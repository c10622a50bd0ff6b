"""``onepoint emulate --hub-token``: a token is taken whole ('=' and all) unless it is NAME=TOKEN for a registered
emulator; a NAME that is no emulator is refused naming the known ones, never sent as a token or dropped."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

import emulators.toolkit
from emulators.pytest_plugin import EMULATORS
from hub.cli.emulate import emulate

pytestmark = pytest.mark.integration


class _App:
    def __init__(self, name: str) -> None:
        self.name = name
        self.faults = self

    def add(self, spec: dict[str, Any]) -> None:  # app.faults.add(...)
        raise AssertionError("no faults expected")


@pytest.fixture
def started(monkeypatch) -> dict[str, Any]:
    """The hub_token each emulator was created with; nothing is served."""
    tokens: dict[str, Any] = {}
    for name in list(EMULATORS):
        def factory(*, seed: int = 0, hub_url: str | None = None, hub_token: str | None = None,
                    _name: str = name) -> _App:
            tokens[_name] = hub_token
            return _App(_name)

        monkeypatch.setitem(EMULATORS, name, factory)
    monkeypatch.setattr(emulators.toolkit, "serve_all", lambda apps, **kwargs: None)
    return tokens


@pytest.mark.parametrize("token", ["c2VjcmV0", "c2VjcmV0LXRva2Vu==", "c2VjcmV0LXRva2Vu=", "ab+c/d=="])
def test_a_single_emulators_token_is_taken_whole(started, token):
    result = CliRunner().invoke(emulate, ["nsp", "--port", "0", "--hub-token", token])
    assert result.exit_code == 0, result.output
    assert started == {"nsp": token}


def test_name_equals_token_names_an_emulator_and_may_hold_equals_signs(started):
    result = CliRunner().invoke(emulate, ["nsp", "--port", "0", "--hub-token", "nsp=abc=="])
    assert result.exit_code == 0, result.output
    assert started == {"nsp": "abc=="}
    started.clear()
    result = CliRunner().invoke(emulate, ["all", "--base-port", "0", "--hub-token", "nsp=n-token",
                                          "--hub-token", "oa=o-token"])
    assert result.exit_code == 0, result.output
    assert (started["nsp"], started["oa"], started["boss"]) == ("n-token", "o-token", None)


@pytest.mark.parametrize("token", ["nps=c2VjcmV0", "NSP=secret"])
def test_a_misspelt_name_is_refused_naming_the_emulators(started, token):
    result = CliRunner().invoke(emulate, ["nsp", "--port", "0", "--hub-token", token])
    assert result.exit_code == 2
    assert "is not an emulator (known: boss, crm, nsp, dsmp, oa, mail)" in result.output
    assert started == {}


def test_a_token_only_for_emulators_not_started_is_refused(started):
    result = CliRunner().invoke(emulate, ["nsp", "--port", "0", "--hub-token", "oa=secret"])
    assert result.exit_code == 2
    assert "no token for nsp" in result.output
