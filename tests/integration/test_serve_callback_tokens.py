"""``onepoint serve --config FILE --emulators``: the emulators call the hub back with the development tokens (as
without --config) unless --hub-token names another, and a config whose callers accept none of them is said in one
line at start, not discovered by 401s later (audit defect 2). The emulators are not started (their start is
replaced); the hub binds a free port on 127.0.0.1, nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import hub.system
from hub.cli.main import main
from hub.config.settings import CallerConfig
from hub.security import hash_token
from hub.system import DEVELOPMENT_CALLBACK_TOKENS, callback_tokens, refused_callbacks

pytestmark = pytest.mark.integration

DEFAULTS = Path(__file__).parents[2] / "hub" / "config" / "defaults.toml"


def caller(system: str, *tokens: str) -> str:
    hashes = ", ".join(f'"{hash_token(t)}"' for t in tokens)
    return (f'[[callers]]\nsystem = "{system}"\nusername = "{system.lower()}"\ntoken_hashes = [{hashes}]\n'
            f'commands = ["{system.lower()}.*"]\n')


def serve_with_emulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str,
                         *args: str) -> tuple[dict[str, str], str]:
    """Run ``serve --config --emulators`` up to the emulators' start: the tokens they got and what was said."""
    given: dict[str, str] = {}

    def start_emulators(hub_url: str, tokens: dict[str, str], **_: object) -> None:
        given.update(tokens)
        raise OSError("not in this test")

    monkeypatch.setattr(hub.system, "start_emulators", start_emulators)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hub.toml").write_text(config, "utf-8")
    result = CliRunner().invoke(main, ["serve", "--config", "hub.toml", "--emulators", "--port", "0",
                                       "--emulator-base-port", "0", "--log-format", "text", *args])
    assert result.exit_code == 1 and "cannot start the emulators: not in this test" in result.output, result.output
    return given, result.output


def test_with_a_config_the_emulators_still_call_back_with_the_development_tokens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, said = serve_with_emulators(tmp_path, monkeypatch, DEFAULTS.read_text("utf-8"))
    assert tokens == DEVELOPMENT_CALLBACK_TOKENS == {"nsp": "nsp-dev-token", "oa": "oa-dev-token",
                                                     "mail": "mail-dev-token"}
    assert "will refuse (401)" not in said  # the file's callers accept them


def test_a_config_that_accepts_no_call_back_token_is_said_in_one_line_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = ("[audit]\ndevelopment_key = true\n" + caller("NSP", "nsp-real-token") + caller("OA", "oa-dev-token")
              + caller("MAIL", "mail-dev-token"))
    tokens, said = serve_with_emulators(tmp_path, monkeypatch, config)
    assert tokens == DEVELOPMENT_CALLBACK_TOKENS
    (line,) = [text for text in said.splitlines() if "will refuse (401)" in text]
    assert "emulators nsp:" in line and "hub.toml" in line and "--hub-token" in line

    tokens, said = serve_with_emulators(tmp_path, monkeypatch, config, "--hub-token", "nsp=nsp-real-token")
    assert tokens == {"nsp": "nsp-real-token", "oa": "oa-dev-token", "mail": "mail-dev-token"}
    assert "will refuse (401)" not in said


def test_a_token_counts_only_for_a_caller_of_the_emulators_own_system() -> None:
    callers = [CallerConfig("CS", "cs", token_hashes=(hash_token("nsp-dev-token"),)),
               CallerConfig("OA", "oa", token_hashes=(hash_token("oa-dev-token"),))]
    # no MAIL caller; a CS caller would be refused its SourceSystem
    assert refused_callbacks(callers, callback_tokens({})) == ["mail", "nsp"]
    assert refused_callbacks([], callback_tokens({"oa": "x"})) == ["mail", "nsp", "oa"]
