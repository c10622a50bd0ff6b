"""The [audit] section of a settings file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, load_settings

pytestmark = pytest.mark.unit


def test_built_in_defaults_allow_only_the_development_key():
    audit = load_settings().audit
    assert audit.development_key
    assert audit.key_env == "ONEPOINT_AUDIT_KEY"
    assert audit.path == Path("onepoint-audit.db")


def test_a_settings_file_names_the_log_relative_to_itself_and_never_defaults_to_the_development_key(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text('[audit]\npath = "data/audit.db"\nkey_file = "/etc/onepoint/audit.key"\n')
    audit = load_settings(path).audit
    assert audit.path == tmp_path / "data" / "audit.db"
    assert audit.key_file == Path("/etc/onepoint/audit.key")
    assert not audit.development_key


@pytest.mark.parametrize(
    ("text", "message"),
    [("[audit]\nkey_fil = \"x\"\n", "unknown keys in [audit]: ['key_fil']"),
     ("[audit]\npath = \"\"\n", "audit.path"),
     ("[audit]\ndevelopment_key = \"yes\"\n", "audit.development_key"),
     ("audit = 3\n", "[audit] must be a table")],
)
def test_a_bad_audit_section_names_the_entry(tmp_path, text, message):
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(path)
