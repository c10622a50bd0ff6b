from pathlib import Path

import pytest

from hub.bulletin.schema import warn_if_left_behind
from hub.config import ConfigError, load_settings

pytestmark = pytest.mark.unit


def test_built_in_defaults_have_a_caller_per_system():
    settings = load_settings()
    assert settings.uses_development_credentials
    assert settings.host == "127.0.0.1"
    assert {c.system for c in settings.callers} == {"CS", "NSP", "OA", "BOSS", "CRM", "DSMP", "MAIL"}
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
        ("[server]\nbogus = 1\n", "unknown keys in [server]: ['bogus']"),
        ("[limits]\nmax_dept = 3\n", "unknown keys in [limits]: ['max_dept']"),
        ("[security]\nreplay_window = 60\n", "unknown keys in [security]: ['replay_window']"),
        ("[routing]\nfiles = 'r.toml'\n", "unknown keys in [routing]: ['files']"),
        ("[bogus]\nx = 1\n", "unknown section or key [bogus]"),
        ("bogus = 1\n", "unknown section or key [bogus]"),
        ("[server]\nport = 'abc'\n", "server.port must be a whole number, not 'abc'"),
        ("[server]\npublic_url = 8000\n", "server.public_url must be a string"),
        ('[server]\npublic_url = "hub.example.com"\n', "public_url must be an absolute http:// or https:// URL"),
        ('[server]\npublic_url = "ftp://hub.example.com"\n', "public_url must be an absolute http"),
        ('[server]\npublic_url = "https://"\n', "public_url must be an absolute http"),
        ('[server]\npublic_url = "https://hub.example.com:99999"\n', "public_url must have a valid port"),
        ('[server]\npublic_url = "https://u:p@hub.example.com"\n', "public_url must not carry credentials"),
        ('[server]\npublic_url = "https://hub.example.com/?x=1"\n', "must not carry credentials, a query"),
        ('[server]\npublic_url = "https://hub.example.com/#top"\n', "must not carry credentials, a query"),
        ('[server]\npublic_url = "https://hub.example.com/a b"\n', "must not contain spaces, quotes"),
        ('[server]\npublic_url = "https://evil\\"><x"\n', "must not contain spaces, quotes"),
    ],
)
def test_bad_config_names_the_entry(tmp_path, text, message):
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(path)


def test_topology_from_the_broker_section(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text('[broker]\nurl = "amqp://127.0.0.1:5672/%2F"\nprefix = "op"\n'
                    'delay_tiers = ["500ms", "10s", "2m", "1h"]\ndelivery_limit = 4\nmax_queue_length = 1000\n')
    topology = load_settings(path).topology
    assert topology.prefix == "op"
    assert [(t.name, t.ttl_ms) for t in topology.delay_tiers] == [
        ("500ms", 500), ("10s", 10_000), ("2m", 120_000), ("1h", 3_600_000)]
    assert (topology.delivery_limit, topology.max_length) == (4, 1000)
    assert topology.commands_exchange == "op.commands"
    assert [(t.name, t.ttl_ms) for t in load_settings().topology.delay_tiers] == [
        ("5s", 5_000), ("30s", 30_000), ("5m", 300_000)]


@pytest.mark.parametrize(
    ("broker", "message"),
    [
        ('delay_tiers = ["5 seconds"]', "is not a duration"),
        ('delay_tiers = ["30s", "5s"]', "must grow strictly"),
        ("delay_tiers = []", "must be a list of durations"),
        ('exchange = "x"', r"unknown keys in \[broker\]"),
        ("delivery_limit = [3]", r"broker.delivery_limit must be a positive whole number"),
        ("delivery_limit = 0", r"broker.delivery_limit must be a positive whole number"),
        ('max_queue_length = "many"', r"broker.max_queue_length must be a positive whole number"),
    ],
)
def test_bad_broker_section(tmp_path, broker, message):
    path = tmp_path / "hub.toml"
    path.write_text(f"[broker]\n{broker}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_without_a_bulletin_section_the_board_is_beside_the_settings_file(tmp_path: Path) -> None:
    """One settings file, one bulletin file, whatever folder the hub and a separate bulletin worker run in."""
    path = tmp_path / "etc" / "hub.toml"
    path.parent.mkdir()
    path.write_text('[server]\nport = 8000\n')
    assert load_settings(path).bulletin.path == tmp_path / "etc" / "onepoint-bulletin.db"
    assert load_settings().bulletin.path == Path("onepoint-bulletin.db")  # the built-in defaults: the working folder


def test_a_bulletin_file_left_in_the_working_folder_is_pointed_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "onepoint-bulletin.db").write_bytes(b"")  # a hub from before kept it here
    with caplog.at_level("WARNING", logger="onepoint.bulletin"):
        warn_if_left_behind(tmp_path / "etc" / "onepoint-bulletin.db")
    assert "a bulletin file is in the working folder" in caplog.text
    caplog.clear()
    warn_if_left_behind(tmp_path / "onepoint-bulletin.db")  # the settings name that very file
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "onepoint-bulletin.db").write_bytes(b"")
    warn_if_left_behind(tmp_path / "etc" / "onepoint-bulletin.db")  # the settings' file exists: nothing to say
    assert caplog.text == ""


def test_bulletin_section_gives_the_board_path_relative_to_the_file_and_its_readers(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[bulletin]\npath = "data/bulletin.db"\nreaders = ["CS", "WEB"]\n')
    settings = load_settings(path)
    assert settings.bulletin.path == tmp_path / "data" / "bulletin.db"
    assert settings.bulletin.readers == ("CS", "WEB")
    assert load_settings().bulletin.readers == ("CS",)
    path.write_text('[bulletin]\nreader = ["CS"]\n')
    with pytest.raises(ConfigError, match="unknown keys in \\[bulletin\\]"):
        load_settings(path)


def test_an_error_of_a_section_names_the_file_once(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text("[workflow]\nsurprise = 1\n")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert str(refused.value).count(str(path)) == 1


@pytest.mark.parametrize(
    ("value", "public_url"),
    [("https://hub.example.com", "https://hub.example.com"), ("https://hub.example.com/", "https://hub.example.com"),
     ("http://10.0.0.5:8080/onepoint/", "http://10.0.0.5:8080/onepoint"), ("http://[::1]:8000", "http://[::1]:8000")],
)
def test_the_public_url_of_the_server_section(tmp_path, value, public_url):
    path = tmp_path / "hub.toml"
    path.write_text(f'[server]\nport = 9100\npublic_url = "{value}"\n')
    settings = load_settings(path)
    assert settings.public_url == settings.hub_url == public_url


def test_without_a_public_url_the_hub_url_is_the_servers_address(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text('[server]\nhost = "::1"\nport = 9100\n')
    settings = load_settings(path)
    assert settings.public_url is None and settings.hub_url == "http://[::1]:9100"
    assert load_settings().hub_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize("text", ['[runtime]\ngc_young_threshold = "abc"\n', "[runtime]\ngc_young_threshold = -1\n",
                                  'callers = ["alice"]\n', 'callers = "alice"\n'])
def test_a_value_of_the_wrong_kind_is_a_config_error_naming_its_key(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"gc_young_threshold|callers"):
        load_settings(path)


@pytest.mark.parametrize(("key", "url", "message"), [
    ("[workflow]\ndatabase", "postgresql+psycopg://hub:pw@127.0.0.1:notaport/onepoint", "is not a database URL"),
    ("[workflow]\ndatabase", "postgresql+psycopg2://hub:pw@127.0.0.1:5432/onepoint", "use postgresql\\+psycopg://"),
    ("[security]\nnonce_store", "postgresql+psycopg2://hub:pw@127.0.0.1/nonces", "use postgresql\\+psycopg://"),
])
def test_a_database_url_that_cannot_work_is_refused_at_load_without_its_password(tmp_path: Path, key: str, url: str,
                                                                                  message: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(f'{key} = "{url}"\n')
    with pytest.raises(ConfigError, match=message) as refused:
        load_settings(path)
    assert "pw" not in str(refused.value)


_WORKFLOW_NUMBERS = ["repeat_window_hours", "tier_cache_seconds", "tier_timeout_seconds", "tier_pause_seconds",
                     "scheduler_interval_seconds", "publisher_interval_seconds", "listener_connect_timeout_seconds",
                     "listener_read_timeout_seconds", "listener_gap_seconds", "mass_complaint_window_minutes",
                     "keep_processed_days", "keep_events_days"]
_ADAPTER = '[adapters.boss]\nurl = "http://127.0.0.1:8101/"\n'


@pytest.mark.parametrize("value", ["nan", "inf", "-nan", "+inf"])
@pytest.mark.parametrize(("section", "key"), [
    *(("[workflow]\n", key) for key in _WORKFLOW_NUMBERS),
    (_ADAPTER, "connect_timeout"), (_ADAPTER, "read_timeout"), (_ADAPTER, "breaker_reset_seconds"),
    ("[security]\n", "sign_in_refusal_delay_seconds"),
    ("[bulletin]\n", "keep_cleared_days"), ("[bulletin]\n", "keep_messages_days"),
])
def test_a_number_that_is_not_finite_is_refused_naming_its_key(tmp_path: Path, section: str, key: str,
                                                               value: str) -> None:
    """TOML has nan and inf; nan compares false with every bound (a timeout of nan: BOSS never asked)."""
    path = tmp_path / "hub.toml"
    path.write_text(f"{section}{key} = {value}\n")
    with pytest.raises(ConfigError, match=rf"{key} must be a "):
        load_settings(path)


def test_the_workflow_error_keeps_its_wording_and_names_the_value(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[workflow]\ntier_timeout_seconds = nan\n")
    with pytest.raises(ConfigError, match=r"workflow\.tier_timeout_seconds must be a positive number, not nan"):
        load_settings(path)


_MISTYPED = "postgresql+psycopg:/hub:S3cretPassw0rd@db.example.net:5432/onepoint"  # one slash: no URL to SQLAlchemy


@pytest.mark.parametrize("text", [
    f'[workflow]\ndatabase = "{_MISTYPED}"\n',
    f'[workers]\nprocessed_store = "{_MISTYPED}"\n',
    f'[bulletin]\ndatabase = "{_MISTYPED}"\n',
    f'[audit]\ndatabase = "{_MISTYPED}"\n',
    f'[security]\nnonce_store = "{_MISTYPED}"\n',
    '[bulletin]\ndatabase = "postgres://hub:S3cretPassw0rd@db/onepoint"\n',  # a scheme the setting does not take
    '[adapters.boss]\nurl = "htps://hub:S3cretPassw0rd@boss.example.net/"\n',
])
def test_a_mistyped_url_is_refused_without_its_password(tmp_path: Path, text: str) -> None:
    """The start-up error goes to the journal and CI logs: the user is named, the password never."""
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert "S3cretPassw0rd" not in str(refused.value) and "hub:***@" in str(refused.value)


@pytest.mark.parametrize(("section", "key"), [
    ("[workflow]\n", "database"), ("[bulletin]\n", "database"), ("[audit]\n", "database"),
    ("[security]\n", "nonce_store"),
])
def test_a_relative_sqlite_url_is_beside_the_settings_file_as_a_bare_name_is(tmp_path: Path, section: str,
                                                                             key: str) -> None:
    """The hub started in the settings file's folder and an operator's command run elsewhere on the same file open
    the same database."""
    etc = tmp_path / "etc"
    etc.mkdir()
    path = etc / "hub.toml"
    path.write_text(f'{section}{key} = "sqlite:///data/shared.db?timeout=5"\n')
    settings = load_settings(path)
    found = {"[workflow]\n": settings.workflow.database, "[bulletin]\n": settings.bulletin.url,
             "[audit]\n": settings.audit.url, "[security]\n": settings.security.nonce_store}[section]
    assert found == f"sqlite:///{etc / 'data' / 'shared.db'}?timeout=5"


@pytest.mark.parametrize("url", ["sqlite:////var/lib/onepoint/wo.db", "sqlite://", "sqlite:///:memory:",
                                 "sqlite:///file:wo.db?mode=ro&uri=true"])
def test_an_absolute_or_in_memory_sqlite_url_is_taken_as_written(tmp_path: Path, url: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{url}"\n[security]\nnonce_store = "{url}"\n')
    settings = load_settings(path)
    assert settings.workflow.database == url and settings.security.nonce_store == url


@pytest.mark.parametrize(("text", "key"), [
    *((f"[workflow]\n{key} = 1e10\n", key) for key in _WORKFLOW_NUMBERS),
    ("[workflow]\nkeep_processed_days = 3651\n", "keep_processed_days"),
    ("[workflow]\nscheduler_interval_seconds = 86401\n", "scheduler_interval_seconds"),
    ("[workflow]\nworker_batch = 40000\n", "worker_batch"),  # a prefetch of twice it: more than AMQP's 65535
    ("[runtime]\ngc_young_threshold = 3000000000\n", "gc_young_threshold"),  # more than a C int
])
def test_a_number_too_large_for_what_it_feeds_is_refused_naming_its_key(tmp_path: Path, text: str, key: str) -> None:
    """``1e10`` for "never" passed the check, then killed the scheduler's thread (Event.wait), the hub after its
    workers started (gc.set_threshold) or the start naming no key (timedelta)."""
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"^{path}: (workflow|runtime)\.{key} must be .*(at most|or less)"):
        load_settings(path)


def test_the_largest_numbers_allowed_load(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[runtime]\ngc_young_threshold = 2147483647\n[workflow]\nscheduler_interval_seconds = 86400\n"
                    "keep_processed_days = 3650\nkeep_events_days = 3650\nrepeat_window_hours = 87600\n"
                    "mass_complaint_window_minutes = 5256000\nworker_batch = 1000\n")
    settings = load_settings(path)
    assert settings.gc_young_threshold == 2**31 - 1 and settings.workflow.keep_processed_days == 3650
    assert settings.workflow.scheduler_interval_seconds == 86400 and settings.workflow.worker_batch == 1000


@pytest.mark.parametrize(("text", "key"), [
    (_ADAPTER + "connect_timeout = 1e10\n", "connect_timeout"),  # a socket's timeout overflows
    (_ADAPTER + "read_timeout = 1e10\n", "read_timeout"),
    (_ADAPTER + "breaker_reset_seconds = 1e10\n", "breaker_reset_seconds"),
    (_ADAPTER + "concurrency = 100000\n", "concurrency"),  # a thread and a connection each
    ("[security]\nreplay_window_seconds = 10000000000\n", "replay_window_seconds"),
    ("[security]\nsign_in_window_seconds = 10000000000\n", "sign_in_window_seconds"),
    ("[security]\nsign_in_refusal_delay_seconds = 3600\n", "sign_in_refusal_delay_seconds"),
])
def test_adapter_and_security_numbers_too_large_are_refused_naming_their_key(tmp_path: Path, text: str,
                                                                            key: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"^{path}: .*{key} must be .*(to \d|or less)"):
        load_settings(path)


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_body_limit_below_one_byte_is_refused_naming_its_key(tmp_path: Path, value: str) -> None:
    """Was "max_bytes must be positive", naming neither the section nor the key (audit of configuration)."""
    path = tmp_path / "hub.toml"
    path.write_text(f"[limits]\nmax_body_bytes = {value}\n")
    with pytest.raises(ConfigError, match=rf"^{path}: limits\.max_body_bytes must be 1 or more, not {value}$"):
        load_settings(path)


def test_the_keep_alive_is_75_seconds_unless_the_settings_say_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[server]\nport = 0\n")
    assert load_settings(path).keep_alive == 75.0
    path.write_text("[server]\nkeep_alive_seconds = 120\n")
    assert load_settings(path).keep_alive == 120.0
    for bad in ("0", "0.5", "3601", '"75"', "nan"):
        path.write_text(f"[server]\nkeep_alive_seconds = {bad}\n")
        with pytest.raises(ConfigError, match=r"server\.keep_alive_seconds must be a number of seconds from 1"):
            load_settings(path)


@pytest.mark.parametrize(("section", "key"), [("[workflow]\n", "database"), ("[audit]\n", "database"),
                                              ("[security]\n", "nonce_store")])
def test_an_earlier_releases_database_in_the_working_folder_is_named_not_replaced_by_a_new_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, key: str) -> None:
    """Releases before 2026-12-06 opened a relative sqlite:/// path in the working folder: an update started from
    another folder than the settings' would have served from new, empty databases without a word (upgrade audit)."""
    etc, run = tmp_path / "etc", tmp_path / "run"
    etc.mkdir()
    (run / "var").mkdir(parents=True)
    (run / "var" / "kept.db").write_bytes(b"SQLite format 3\x00")  # the earlier release's file
    path = etc / "hub.toml"
    path.write_text(f'{section}{key} = "sqlite:///var/kept.db"\n')
    monkeypatch.chdir(run)
    with pytest.raises(ConfigError, match=r"relative to the settings file's folder .*"
                       rf"{etc / 'var' / 'kept.db'} does not exist, but {run / 'var' / 'kept.db'} does"):
        load_settings(path)
    (etc / "var").mkdir()
    (etc / "var" / "kept.db").write_bytes(b"SQLite format 3\x00")  # moved (copied) beside the settings: taken
    assert str(etc / "var" / "kept.db") in str(load_settings(path))


def test_the_start_names_every_database_it_opens_as_an_absolute_path_without_passwords(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The serving line names the files a start took, so an operator sees a wrong one (upgrade audit)."""
    from hub.cli.serve import _databases

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "hub.toml"
    path.write_text('[workflow]\ndatabase = "wo.db"\n[audit]\ndatabase = "postgresql+psycopg://hub:S3cret@db/op"\n')
    found = _databases(load_settings(path))
    assert found["workflow"] == f"sqlite:///{tmp_path / 'wo.db'}"
    assert found["audit"] == "postgresql+psycopg://hub:***@db/op" and "S3cret" not in str(found)
    assert found["bulletin"] == str(tmp_path / "onepoint-bulletin.db") and found["nonces"] == "memory"
    assert _databases(load_settings())["workflow"] == f"sqlite:///{tmp_path / 'onepoint-workorders.db'}"
