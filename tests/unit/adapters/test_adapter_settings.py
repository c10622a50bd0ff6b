"""``[adapters.<system>]``: parsed into AdapterSettings, refused with the file and the entry named."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.settings import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_built_in_defaults_point_at_the_emulators() -> None:
    settings = load_settings()
    boss, crm = settings.adapter("boss"), settings.adapter("crm")
    assert boss.url == "http://127.0.0.1:8101/" and boss.wsdl_location == "http://127.0.0.1:8101/?wsdl"
    assert crm.url == "http://127.0.0.1:8102/"
    assert boss.connect_timeout > 0 and boss.read_timeout > 0


def test_a_section_is_parsed_with_secrets_from_the_environment(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOSS_PW", "from-env")
    path = write(tmp_path, '[adapters.boss]\nurl = "http://127.0.0.1:9/"\nusername = "hub"\n'
                           'password_env = "BOSS_PW"\nread_timeout = 1.5\nbreaker_fail_max = 2\n')
    boss = load_settings(path).adapter("boss")
    assert (boss.username, boss.password, boss.read_timeout, boss.breaker_fail_max) == ("hub", "from-env", 1.5, 2)
    with pytest.raises(ConfigError, match=r"no \[adapters.crm\]"):
        load_settings(path).adapter("crm")


@pytest.mark.parametrize(("body", "message"), [
    ('url = "ftp://x"', "url must be an http"),
    ('url = "http://x/"\ncolour = "red"', "unknown keys"),
    ('url = "http://x/"\nread_timeout = 0', "read_timeout"),
    ('url = "http://x/"\nbreaker_fail_max = 1.5', "breaker_fail_max"),
    ('url = "http://x/"\npassword_env = "ONEPOINT_UNSET_VARIABLE"', "ONEPOINT_UNSET_VARIABLE"),
    ('url = "http://x/"\ncache_ttl_seconds = 60', "cache_ttl_seconds is no longer an adapter setting: use the route's"
                                                 " cache_ttl"),
])
def test_a_bad_section_names_itself(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"\[adapters.boss\].*" + message):
        load_settings(write(tmp_path, f"[adapters.boss]\n{body}\n"))
