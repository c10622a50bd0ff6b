"""``onepoint audit head`` on a log with no rows yet prints ``0:000…0``: ``verify --head`` takes it back (the log was
empty then), and refuses any other MAC beside row 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.audit import AuditLog
from hub.cli.main import main
from hub.config import load_settings
from tests.unit.audit.kit import entry

pytestmark = pytest.mark.unit

EMPTY_HEAD = "0:" + "00" * 32


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text('[audit]\npath = "audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    monkeypatch.setenv("TEST_AUDIT_KEY", "unit-audit-key-0123456789abcdef-0123")
    AuditLog.open(load_settings(path).audit, create=True).close()
    return path


def audit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", *args])
    return result.exit_code, result.output


def test_the_head_of_an_empty_log_is_accepted_by_verify(config: Path) -> None:
    assert audit("head", "--config", str(config)) == (0, EMPTY_HEAD + "\n")
    code, output = audit("verify", "--config", str(config), "--head", EMPTY_HEAD)
    assert code == 0, output


def test_a_log_grown_since_it_was_empty_verifies_against_that_head(config: Path) -> None:
    with AuditLog.open(load_settings(config).audit) as log:
        for n in range(3):
            log.append(entry(n))
    code, output = audit("verify", "--config", str(config), "--head", EMPTY_HEAD)
    assert code == 0, output


def test_row_0_with_another_mac_is_refused(config: Path) -> None:
    code, output = audit("verify", "--config", str(config), "--head", "0:" + "ff" * 32)
    assert code == 2 and "expected SEQ:MAC:CHAIN (or SEQ:MAC, as heads were printed before)" in output
