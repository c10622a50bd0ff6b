"""``[workers] processed_store``: the deployment's shared processed-message store for every adapter worker (a
PostgreSQL URL, its password from the environment if asked), used by ``onepoint worker`` without ``--store`` and by
the workers ``onepoint serve`` runs on RabbitMQ; empty, each keeps ``onepoint-<consumer>.sqlite3`` as before."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hub.config.settings import ConfigError, load_settings
from hub.config.workers import WorkerSettings
from hub.system import processed_store_url

pytestmark = pytest.mark.unit

AMQP = '[broker]\nurl = "amqp://hub:secret@127.0.0.1:5672/%2F"\n'
SHARED = "postgresql+psycopg://hub@db.example.net:5432/onepoint"


def settings_with(tmp_path: Path, workers: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(AMQP + "[workers]\n" + workers, "utf-8")
    return path


def test_without_the_setting_each_consumer_keeps_its_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(AMQP, "utf-8")
    settings = load_settings(path)
    assert settings.workers == WorkerSettings() and load_settings().workers.processed_store is None
    assert processed_store_url(settings, "boss") == "sqlite:///onepoint-boss.sqlite3"
    empty = load_settings(settings_with(tmp_path, 'processed_store = ""\n'))
    assert processed_store_url(empty, "crm") == "sqlite:///onepoint-crm.sqlite3"


def test_the_shared_store_serves_every_adapter_worker_on_rabbitmq(tmp_path: Path) -> None:
    settings = load_settings(settings_with(tmp_path, f'processed_store = "{SHARED}"\n'))
    assert settings.workers.processed_store == SHARED
    assert [processed_store_url(settings, c) for c in ("boss", "bulletin")] == [SHARED, SHARED]
    on_memory = replace(settings, broker_url="memory://")  # nothing outlives the process there: memory
    assert processed_store_url(on_memory, "boss") == "memory://"


def test_the_password_comes_from_the_environment_variable_named(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = settings_with(tmp_path, f'processed_store = "{SHARED}"\n'
                                   'processed_store_password_env = "ONEPOINT_TEST_STORE_PASSWORD"\n')
    monkeypatch.delenv("ONEPOINT_TEST_STORE_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match=r"ONEPOINT_TEST_STORE_PASSWORD .* is not set"):
        load_settings(path)
    monkeypatch.setenv("ONEPOINT_TEST_STORE_PASSWORD", "p@ss/word")
    url = load_settings(path).workers.processed_store
    assert url == "postgresql+psycopg://hub:p%40ss%2Fword@db.example.net:5432/onepoint"


@pytest.mark.parametrize(("workers", "named"), [
    ('processed_store = "sqlite:///shared.db"\n', "must be a postgresql+psycopg:// URL"),
    ('processed_store = "postgresql+psycopg2://hub@db/onepoint"\n', "use postgresql+psycopg://"),
    ('processed_store = "postgresql://hub:x@db:port/onepoint"\n', "is not a database URL"),
    ("processed_store = 5\n", "must be a postgresql+psycopg:// URL"),
    ('processed_stor = ""\n', "unknown keys in [workers]"),
    ('processed_store_password_env = "X"\n', "no processed_store"),
    (f'processed_store = "{SHARED.replace("hub@", "hub:pw@")}"\nprocessed_store_password_env = "HOME"\n',
     "give one"),
])
def test_bad_entries_are_named_without_the_password(workers: str, named: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(settings_with(tmp_path, workers))
    assert named in str(raised.value) and ":x@" not in str(raised.value)


def test_workflow_names_the_work_order_database_on_postgresql(tmp_path: Path) -> None:
    workflow = f'[workflow]\ndatabase = "{SHARED}"\n'
    path = tmp_path / "hub.toml"
    path.write_text(AMQP + workflow + '[workers]\nprocessed_store = "workflow"\n', "utf-8")
    settings = load_settings(path)
    assert settings.workers.processed_store == SHARED
    assert processed_store_url(settings, "oa") == SHARED


def test_workflow_is_refused_when_the_work_orders_are_in_a_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r'processed_store = "workflow" needs \[workflow\] database on PostgreSQL'):
        load_settings(settings_with(tmp_path, 'processed_store = "workflow"\n'))


def test_workflow_takes_the_work_order_databases_password(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(AMQP + f'[workflow]\ndatabase = "{SHARED}"\n[workers]\nprocessed_store = "workflow"\n'
                    'processed_store_password_env = "ONEPOINT_TEST_STORE_PASSWORD"\n', "utf-8")
    with pytest.raises(ConfigError, match="leave processed_store_password_env out"):
        load_settings(path)
