"""The taxonomy's content version (``hub.workflow.taxonomy.version``): the same files' content on any machine is
the same version, any change of what a process would load another; revision 0018 records it per process."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import upgrade
from hub.workflow.store.schema import rule_file_users
from hub.workflow.taxonomy import load_taxonomy
from hub.workflow.taxonomy.version import UNREADABLE, taxonomy_version
from hub.workflow.taxonomy_files import TaxonomyFiles

pytestmark = pytest.mark.unit

SEED = Path(str(resources.files("hub.workflow.taxonomy").joinpath("data")))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return shutil.copytree(SEED, tmp_path / "taxonomy")


def test_the_loaded_taxonomy_carries_its_files_version(copy: Path) -> None:
    assert load_taxonomy(copy).version == taxonomy_version(copy) == load_taxonomy().version
    assert len(load_taxonomy().version) == 16


@pytest.mark.parametrize("change", ["a comment", "a file added", "a file renamed"])
def test_any_change_of_the_files_is_another_version(copy: Path, change: str) -> None:
    before = taxonomy_version(copy)
    if change == "a comment":
        with (copy / "fields.toml").open("a", encoding="utf-8") as file:
            file.write("# edited\n")
    elif change == "a file added":
        (copy / "zz-local.toml").write_text("# local refinements to come\n", "utf-8")
    else:
        (copy / "fields.toml").rename(copy / "vocabulary.toml")
    assert taxonomy_version(copy) != before


def test_a_single_file_is_its_content_whatever_its_name(tmp_path: Path) -> None:
    one, other = tmp_path / "taxonomy.toml", tmp_path / "renamed.toml"
    for path in (one, other):
        path.write_bytes(b"".join((SEED / name).read_bytes() for name in ("fields.toml", "templates.toml")))
    assert taxonomy_version(one) == taxonomy_version(other) != taxonomy_version(SEED)
    assert taxonomy_version(tmp_path / "missing.toml") == UNREADABLE


def test_migration_0018_keeps_the_rows_of_running_processes(tmp_path: Path) -> None:
    """A database at 0017 with a process's row (an older release's, running while the upgrade is made): the row
    stays, with no taxonomy version, until that process renews or ages out."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'wo.db'}")
    upgrade(engine, "0017")
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    row = {"process_id": "old/1/00", "host": "old", "pid": 1, "sla_version": "s", "calendars_version": "c",
           "started_at": now, "seen_at": now}
    with engine.begin() as connection:
        connection.execute(insert(rule_file_users).values(**row))  # no taxonomy_version: the table has none yet
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(select(rule_file_users.c.host, rule_file_users.c.taxonomy_version)).all() == [
            ("old", "")]
    engine.dispose()


def test_an_editors_lock_is_no_change_of_version_nor_of_the_files_watched(copy: Path) -> None:
    """Emacs locks a file being edited (``.#categories.toml``, a dangling link) before anything is saved: the loader
    skips it, and so do the version and the running process's change watcher (no "restart the hub")."""
    before, watcher = taxonomy_version(copy), TaxonomyFiles(copy)
    os.symlink("analyst@host.4242:1733500000", copy / ".#categories.toml")
    assert taxonomy_version(copy) == before and not watcher.look()
