"""The published development credentials are recognised in any settings, not only the built-in defaults: a
settings file copied from ``defaults.toml`` carries them too (audit: it ran silently). Each caller accepting one is
named with which of its credentials, compared as stored (never re-hashed), and no secret is ever said."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import hub.config
from hub.config import load_settings
from hub.config.development import PASSWORD, TOKEN, WS_PASSWORD, development_callers_warning
from hub.security.secrets import hash_token

pytestmark = pytest.mark.unit

DEFAULTS = Path(hub.config.__file__).parent / "defaults.toml"
ALL_THREE = (PASSWORD, TOKEN, WS_PASSWORD)


def settings_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_built_in_defaults_give_every_caller_all_three() -> None:
    settings = load_settings()
    assert settings.built_in and settings.uses_development_credentials
    found = {c.system: c.credentials for c in settings.development_callers}
    assert found == dict.fromkeys(("CS", "NSP", "OA", "BOSS", "CRM", "DSMP", "MAIL"), ALL_THREE)


def test_a_settings_file_copied_from_the_defaults_uses_them(tmp_path: Path) -> None:
    settings = load_settings(settings_file(tmp_path, DEFAULTS.read_text("utf-8")))
    assert not settings.built_in
    assert settings.uses_development_credentials
    assert [(c.system, c.username, c.credentials) for c in settings.development_callers][:2] == [
        ("CS", "cs-frontend", ALL_THREE), ("NSP", "nsp", ALL_THREE)]


def test_one_published_credential_is_enough_and_any_callers_counts(tmp_path: Path) -> None:
    own, published = hash_token("a-real-token"), hash_token("cs-dev-token")  # a SHA-256 digest: always the same
    text = (f'[[callers]]\nsystem = "CS"\nusername = "front"\ntoken_hashes = ["{own}", "{published}"]\n'
            f'[[callers]]\nsystem = "CRM"\nusername = "crm-hub"\nws_password = "nsp-dev-password"\n'
            f'[[callers]]\nsystem = "OA"\nusername = "oa"\ntoken_hashes = ["{own}"]\nws_password = "oa-own"\n')
    settings = load_settings(settings_file(tmp_path, text))
    assert [(c.system, c.username, c.credentials) for c in settings.development_callers] == [
        ("CS", "front", (TOKEN,)), ("CRM", "crm-hub", (WS_PASSWORD,))]


def test_a_settings_file_with_its_own_secrets_uses_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONT_WS", "from-env")
    text = (f'[[callers]]\nsystem = "CS"\nusername = "cs-frontend"\ntoken_hashes = ["{hash_token("real")}"]\n'
            'ws_password_env = "FRONT_WS"\n')
    settings = load_settings(settings_file(tmp_path, text))
    assert settings.development_callers == () and not settings.uses_development_credentials


def test_the_warning_names_the_callers_and_no_secret(tmp_path: Path) -> None:
    settings = load_settings(settings_file(tmp_path, DEFAULTS.read_text("utf-8")))
    said = development_callers_warning(settings.source, settings.development_callers)
    assert said.startswith(f"{tmp_path / 'hub.toml'} gives callers the published DEVELOPMENT credentials")
    assert "CS (cs-frontend: password, token, WS-Security password)" in said and "DSMP (dsmp:" in said
    secrets = [value for caller in tomllib.loads(DEFAULTS.read_text("utf-8"))["callers"]
               for value in (caller["password_hash"], *caller["token_hashes"], caller["ws_password"])]
    secrets += [f"{name}-dev-token" for name in ("cs", "nsp", "oa", "boss", "crm", "dsmp")]
    assert not [secret for secret in secrets if secret in said]
