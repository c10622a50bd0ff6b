"""The chain key comes by reference and never from beside the log; the development key only when allowed."""

from __future__ import annotations

import pytest

from hub.audit import DEVELOPMENT_KEY, AuditKeyError, AuditLog, ChainKey, load_chain_key
from hub.config.settings import AuditSettings
from tests.unit.audit.kit import entry

pytestmark = pytest.mark.unit

KEY = "k" * 40


def test_a_key_file_beside_the_log_is_refused_with_the_reason(tmp_path):
    (tmp_path / "audit.key").write_text(KEY)
    settings = AuditSettings(path=tmp_path / "audit.db", key_file=tmp_path / "audit.key")
    with pytest.raises(AuditKeyError, match="lies in the audit log's directory") as refused:
        load_chain_key(settings, environ={})
    assert "re-seal altered rows" in str(refused.value)


def test_a_key_file_below_the_logs_directory_or_linked_from_it_is_refused(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "audit.key").write_text(KEY)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "link.key").symlink_to(tmp_path / "keys" / "audit.key")
    for key_file in (tmp_path / "keys" / "audit.key", outside / "link.key"):
        with pytest.raises(AuditKeyError, match="directory"):
            load_chain_key(AuditSettings(path=tmp_path / "audit.db", key_file=key_file), environ={})


def test_the_log_is_not_created_when_its_key_is_refused(tmp_path):
    (tmp_path / "audit.key").write_text(KEY)
    with pytest.raises(AuditKeyError):
        AuditLog.open(AuditSettings(path=tmp_path / "audit.db", key_file=tmp_path / "audit.key"))
    assert not (tmp_path / "audit.db").exists()


def test_a_key_file_elsewhere_seals_the_log(tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "audit.key").write_text(KEY + "\n")
    settings = AuditSettings(path=tmp_path / "log" / "audit.db", key_file=tmp_path / "secret" / "audit.key")
    with AuditLog.open(settings) as log:
        log.append(entry())
        assert log.verify().intact
        # the trailing newline of the file is not part of the key
        assert log.key.key_id == ChainKey(KEY.encode(), "same").key_id


def test_a_key_file_others_can_read_is_warned_about(tmp_path, caplog):
    key_file = tmp_path / "secret" / "audit.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY)
    settings = AuditSettings(path=tmp_path / "log" / "audit.db", key_file=key_file)
    key_file.chmod(0o600)
    load_chain_key(settings, environ={})
    assert "chmod 600" not in caplog.text
    key_file.chmod(0o644)
    load_chain_key(settings, environ={})
    assert "chmod 600" in caplog.text


def test_the_key_from_the_environment(tmp_path):
    settings = AuditSettings(path=tmp_path / "audit.db", key_env="AUDIT_KEY_X")
    assert load_chain_key(settings, environ={"AUDIT_KEY_X": KEY}).origin == "$AUDIT_KEY_X"
    with pytest.raises(AuditKeyError, match=r"set \$AUDIT_KEY_X or give \[audit\] key_file"):
        load_chain_key(settings, environ={})
    with pytest.raises(AuditKeyError, match="at least 32"):
        load_chain_key(settings, environ={"AUDIT_KEY_X": "short"})


def test_the_development_key_only_when_the_settings_allow_it(tmp_path, caplog):
    settings = AuditSettings(path=tmp_path / "audit.db", development_key=True)
    key = load_chain_key(settings, environ={})
    assert key.key_id == ChainKey(DEVELOPMENT_KEY, "dev").key_id
    assert "DEVELOPMENT key" in caplog.text
    assert load_chain_key(settings, environ={"ONEPOINT_AUDIT_KEY": KEY}).origin == "$ONEPOINT_AUDIT_KEY"
    with pytest.raises(AuditKeyError):
        load_chain_key(AuditSettings(path=tmp_path / "audit.db"), environ={})


def test_the_key_is_never_shown(tmp_path):
    key = ChainKey(KEY.encode(), "$X")
    assert KEY not in repr(key)
    assert KEY not in str(key)


def test_a_key_file_beside_the_file_of_a_sqlite_url_is_refused(tmp_path):
    """The log named by ``database = "sqlite:///..."`` (or ``"workflow"`` on a SQLite work-order database) lives
    in that file, not at the unused ``path``: a key in that file's folder is refused like one beside ``path``."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "audit.key").write_text(KEY)
    elsewhere = tmp_path / "conf" / "onepoint-audit.db"  # the unused default path, in another folder
    for settings in (
        AuditSettings(path=elsewhere, key_file=data / "audit.key", database=f"sqlite:///{data}/audit.db"),
        AuditSettings(path=elsewhere, key_file=data / "audit.key", database="workflow",
                      workflow_database=f"sqlite:///{data}/workorders.db"),
    ):
        with pytest.raises(AuditKeyError, match="lies in the audit log's directory"):
            load_chain_key(settings, environ={})
        with pytest.raises(AuditKeyError):
            AuditLog.open(settings)
    assert not (data / "audit.db").exists()


def test_a_key_file_beside_the_unused_path_is_accepted_when_the_log_is_in_postgresql(tmp_path):
    """README's /etc/onepoint/audit.key beside /etc/onepoint/hub.toml: the default ``path`` would lie there, but a
    log in PostgreSQL is no file, so no folder holds log and key together."""
    (tmp_path / "audit.key").write_text(KEY)
    for database, workflow in (("postgresql+psycopg://hub@db.example:5432/onepoint", None),
                               ("workflow", "postgresql+psycopg://hub@db.example:5432/onepoint")):
        settings = AuditSettings(path=tmp_path / "onepoint-audit.db", key_file=tmp_path / "audit.key",
                                 database=database, workflow_database=workflow)
        assert load_chain_key(settings, environ={}).key_id == ChainKey(KEY.encode(), "same").key_id
