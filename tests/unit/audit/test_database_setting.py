"""``[audit] database``: where the one chain lives. "" keeps the SQLite file at ``path`` (as before the setting);
"workflow" is the work-order database's URL; a URL is taken as it is (its password never shown); a ``sqlite:///``
URL (or "workflow" on a SQLite work-order database) opens the SQLite log at that file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.audit import AuditLog, SQLiteAuditStorage
from hub.audit.log import open_storage
from hub.config import ConfigError, load_settings
from hub.config.audit import AuditSettings
from tests.unit.audit.kit import TEST_KEY, entry

pytestmark = pytest.mark.unit

PG = "postgresql+psycopg://hub:s3cretpw@127.0.0.1:5432/onepoint"


def audit_of(tmp_path: Path, text: str) -> AuditSettings:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return load_settings(path).audit


def test_by_default_the_log_is_the_sqlite_file_at_path(tmp_path: Path) -> None:
    audit = audit_of(tmp_path, '[audit]\npath = "audit.db"\n')
    assert (audit.database, audit.url, audit.where) == ("", None, str(tmp_path / "audit.db"))
    assert load_settings().audit.url is None
    storage = open_storage(audit)
    try:
        assert isinstance(storage, SQLiteAuditStorage) and storage.path == tmp_path / "audit.db"
    finally:
        storage.close()


def test_workflow_names_the_work_order_database(tmp_path: Path) -> None:
    audit = audit_of(tmp_path, f'[audit]\ndatabase = "workflow"\n[workflow]\ndatabase = "{PG}"\n')
    assert audit.url == PG
    assert audit.where == ('[audit] database = "workflow" ([workflow] database '
                           "postgresql+psycopg://hub:***@127.0.0.1:5432/onepoint)")


def test_a_url_is_taken_as_it_is_and_shown_without_its_password(tmp_path: Path) -> None:
    audit = audit_of(tmp_path, f'[audit]\ndatabase = "{PG}"\n')
    assert audit.url == PG
    assert "s3cretpw" not in audit.where


def test_a_sqlite_work_order_database_keeps_the_log_in_that_file(tmp_path: Path) -> None:
    audit = audit_of(tmp_path, '[audit]\ndatabase = "workflow"\n[workflow]\ndatabase = "work.db"\n')
    with AuditLog(open_storage(audit), TEST_KEY) as log:
        log.append(entry())
        assert isinstance(log.storage, SQLiteAuditStorage) and log.storage.path == tmp_path / "work.db"
        assert log.verify().summary() == "OK: 1 rows, chain intact"


@pytest.mark.parametrize(("value", "message"), [
    ('"mysql://x@h/db"', "audit.database must be"),
    ("3", "audit.database must be"),
    ('"postgresql+asyncpg://h/db"', "use postgresql\\+psycopg://"),
])
def test_a_bad_database_is_refused_naming_the_entry(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        audit_of(tmp_path, f"[audit]\ndatabase = {value}\n")
