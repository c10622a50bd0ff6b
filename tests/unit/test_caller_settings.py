"""[[callers]] and [security] values are checked at load: a wrong type or form is a ConfigError naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, HubSettings, load_settings
from hub.security.secrets import hash_password, hash_token

pytestmark = pytest.mark.unit

_CALLER = '[[callers]]\nsystem = "CS"\nusername = "cs-frontend"\n'


def _load(tmp_path: Path, text: str) -> HubSettings:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return load_settings(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('commands = "workorder.*"\n', "callers[0].commands must be a list of non-empty strings"),
        ('commands = ["workorder.*", 5]\n', "callers[0].commands must be a list of non-empty strings"),
        ('commands = ["workorder.*", ""]\n', "callers[0].commands must be a list of non-empty strings"),
        ("password_hash = 12345\n", "callers[0].password_hash must be a string, the scrypt hash"),
        ('password_hash = "cs-dev-password"\n', "callers[0].password_hash is not an scrypt hash"),
        ('password_hash = "scrypt$16384$8$1$not base64!$AAAA"\n', "callers[0].password_hash is not an scrypt hash"),
        ('password_hash = "scrypt$1000$8$1$AAAA$AAAA"\n', "callers[0].password_hash is not an scrypt hash"),
        (f'token_hashes = "{hash_token("t")}"\n', "callers[0].token_hashes must be a list of non-empty strings"),
        ('token_hashes = ["cs-token"]\n', "callers[0].token_hashes[0] must be sha256$<64 hex digits>"),
        ('token_hashes = ["sha256$abc"]\n', "callers[0].token_hashes[0] must be sha256$<64 hex digits>"),
        ("ws_password = 7\n", "callers[0].ws_password must be a non-empty string"),
    ],
)
def test_a_caller_value_of_the_wrong_form_is_refused_naming_it(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, _CALLER + extra)
    assert message in str(caught.value)
    assert str(tmp_path / "hub.toml") in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("system", ["HUB", "hub"])
def test_a_caller_may_not_be_the_hub_itself(tmp_path: Path, system: str) -> None:
    """What the hub sends itself (NSP's answers noted on the work order, follow-up commands) is taken as the hub's
    because its source system is HUB: a caller of that name could forge them."""
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f'[[callers]]\nsystem = "{system}"\nusername = "impostor"\n')
    assert f"callers[0].system: '{system}' is the hub's own system" in str(caught.value)


def test_a_password_is_not_echoed_when_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, _CALLER + 'password_hash = "cs-dev-password"\n')
    assert "cs-dev-password" not in str(caught.value)


def test_well_formed_caller_values_load(tmp_path: Path) -> None:
    settings = _load(tmp_path, _CALLER + f'password_hash = "{hash_password("pw")}"\n'
                     f'token_hashes = ["{hash_token("tok")}"]\ncommands = ["workorder.*", "boss.QueryCustomerTier"]\n')
    caller = settings.callers[0]
    assert caller.commands == ("workorder.*", "boss.QueryCustomerTier")
    assert caller.token_hashes == (hash_token("tok"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[security]\nreplay_window_seconds = -300\n", "security.replay_window_seconds must be 30 or more"),
        ("[security]\nreplay_window_seconds = 0\n", "security.replay_window_seconds must be 30 or more"),
        ("[security]\nnonce_cache_size = 0\n", "security.nonce_cache_size must be a positive whole number"),
    ],
)
def test_security_sizes_and_windows_are_checked(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        _load(tmp_path, text)
