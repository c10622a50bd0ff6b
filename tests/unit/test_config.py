import pytest

from hub.config import ConfigError, load_settings

pytestmark = pytest.mark.unit


def test_built_in_defaults_have_a_caller_per_system():
    settings = load_settings()
    assert settings.uses_development_credentials
    assert settings.host == "127.0.0.1"
    assert {c.system for c in settings.callers} == {"CS", "NSP", "OA", "BOSS", "CRM", "DSMP"}
    assert all(c.password_hash and c.password_hash.startswith("scrypt$") for c in settings.callers)


def test_a_config_file_with_secret_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "hub.toml"
    path.write_text(
        "[server]\nport = 9100\n[limits]\nmax_body_bytes = 2048\nmax_depth = 16\n"
        '[[callers]]\nsystem = "CS"\nusername = "front"\nws_password_env = "FRONT_WS"\ncommands = ["workorder.*"]\n'
    )
    monkeypatch.setenv("FRONT_WS", "from-env")
    settings = load_settings(path)
    assert not settings.uses_development_credentials
    assert settings.port == 9100
    assert (settings.limits.max_bytes, settings.limits.max_depth) == (2048, 16)
    assert settings.callers[0].ws_password == "from-env"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[callers]]\nsystem = "CS"\n', "callers[0]: missing 'username'"),
        ('[[callers]]\nsystem = "CS"\nusername = "a"\npasword_hash = "x"\n', "unknown keys ['pasword_hash']"),
        ('[[callers]]\nsystem = "CS"\nusername = "a"\nws_password_env = "NOT_SET_X"\n', "NOT_SET_X"),
        ("[limits]\nmax_depth = 1000\n", "max_depth"),
        ("[limits\n", "hub.toml"),
    ],
)
def test_bad_config_names_the_entry(tmp_path, text, message):
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(path)
