"""Every ``onepoint`` command makes its files owner-only: it adds 0o077 to the process's umask at its start (so the
SQLite files, their -wal and -shm, which SQLite gives the database file's mode, the audit log, the bulletin and the
lock files), and the lock files are opened 0o600 whatever the umask (security audit: 0o644)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from hub.cli.main import main
from hub.cli.pid_files import write_pid_file
from hub.workflow.store.hub_lock import HUB_LOCK, HubLock

pytestmark = pytest.mark.unit


@pytest.fixture
def umask_022() -> Iterator[None]:
    saved = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(saved)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.usefixtures("umask_022")
def test_a_command_adds_owner_only_to_the_umask() -> None:
    result = CliRunner().invoke(main, ["schemas"])
    assert result.exit_code == 0, result.output
    assert current_umask() == 0o077


@pytest.mark.usefixtures("umask_022")
def test_a_stricter_umask_is_kept() -> None:
    os.umask(0o027 | 0o077 | 0o100)
    CliRunner().invoke(main, ["schemas"])
    assert current_umask() == 0o177


def test_the_hub_lock_file_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    saved = os.umask(0)
    try:
        lock = HubLock.hold(make_url(f"sqlite:///{tmp_path / 'wo.db'}"))
    finally:
        os.umask(saved)
    assert lock is not None
    lock.release()
    assert stat.S_IMODE((tmp_path / f"wo.db{HUB_LOCK}").stat().st_mode) == 0o600


def test_a_pid_file_is_readable_by_every_account_whatever_the_umask(tmp_path: Path) -> None:
    """A process id is no secret: a monitor running as another account reads it (telegraf's procstat pid_file)."""
    previous = os.umask(0o077)
    try:
        write_pid_file(tmp_path / "hub.pid")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "hub.pid").stat().st_mode) == 0o644
    assert (tmp_path / "hub.pid").read_text() == f"{os.getpid()}\n"
