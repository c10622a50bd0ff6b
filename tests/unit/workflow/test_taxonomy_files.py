"""An edit of the taxonomy's files on a running process is not taken (the taxonomy is read at start only) and no
longer silently ignored: the look at the rule files (``RuleFiles.refresh``: the scheduler's pass, an action) logs
one WARNING per change saying a restart is needed; a file only touched says nothing, and the files put back as
loaded say so at INFO."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.taxonomy_files import TaxonomyFiles, taxonomy_files
from tests.unit.workflow.incident_kit import settings
from tests.unit.workflow.kit import START
from tests.unit.workflow.taxonomy_kit import SEED, add_metro_refinement

pytestmark = pytest.mark.unit


def restart_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and "restart" in r.getMessage()
            and "taxonomy" in r.getMessage()]


def test_an_edit_of_a_running_hubs_taxonomy_is_warned_of_once_as_needing_a_restart(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "taxonomy"
    shutil.copytree(SEED, data)
    runtime = open_runtime(settings(f"sqlite:///{tmp_path / 'wo.db'}", taxonomy=data), clock=ManualClock(START))
    try:
        assert runtime.rules is not None
        with caplog.at_level(logging.INFO, logger="onepoint.workflow"):
            runtime.rules.refresh()
            assert restart_warnings(caplog) == []
            add_metro_refinement(data)
            runtime.rules.refresh()
            runtime.rules.refresh()  # once per change
        (warning,) = restart_warnings(caplog)
        assert "read at start only" in warning.getMessage()
        assert warning.taxonomy == str(data)  # type: ignore[attr-defined]
        assert "01.02.03.009" not in runtime.engine.taxonomy  # not taken live
    finally:
        runtime.close()


def test_a_touch_says_nothing_and_the_files_put_back_say_no_restart_is_needed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "taxonomy"
    shutil.copytree(SEED, data)
    watched = TaxonomyFiles(data)
    categories = data / "categories.toml"
    with caplog.at_level(logging.INFO, logger="onepoint.workflow"):
        stat = categories.stat()
        os.utime(categories, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        assert watched.look() is False
        before = add_metro_refinement(data)
        assert watched.look() is True
        categories.write_text(before, "utf-8")
        assert watched.look() is True
        assert watched.look() is False
    assert len(restart_warnings(caplog)) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] \
        == ["the taxonomy's files are back as this process loaded them: no restart needed"]


def test_the_files_watched_are_those_the_taxonomy_is_read_from(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "taxonomy")
    assert taxonomy_files(tmp_path / "taxonomy") == sorted((tmp_path / "taxonomy").glob("*.toml"))
    assert taxonomy_files(tmp_path / "taxonomy" / "fields.toml") == [tmp_path / "taxonomy" / "fields.toml"]
    assert [p.name for p in taxonomy_files(None)] == sorted(p.name for p in SEED.glob("*.toml"))
