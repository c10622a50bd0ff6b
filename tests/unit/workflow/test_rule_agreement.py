"""Every process on one work-order database must compute deadlines with the same SLA table and calendars, and check
complaints by the same taxonomy: each keeps a row in ``rule_file_users`` (renewed, removed at stop, aged out when
its process is gone), names in one WARNING the running processes whose files differ (again only when that set
changes), says in one INFO line when they agree again, and ``/metrics`` counts the processes per versions."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from hub.config.workflow import WorkflowSettings
from hub.observability.metrics import Metrics
from hub.workflow.datafile import packaged
from hub.workflow.health_gauges import track_health
from hub.workflow.rule_agreement import RuleFileAgreement
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store.schema import rule_file_users
from hub.workflow.taxonomy.version import taxonomy_version

pytestmark = pytest.mark.unit

GAUGE = "onepoint_rule_file_processes"


@pytest.fixture
def edited(tmp_path: Path, runtime: WorkflowRuntime) -> Iterator[WorkflowRuntime]:
    """A second process on the same database, started with an SLA file edited since (a limit changed: a comment
    added keeps the table's version, its content)."""
    sla = tmp_path / "sla.toml"
    sla.write_bytes(packaged("sla.toml").read_bytes().replace(b'reply = "40h"', b'reply = "48h"', 1))
    url = runtime.store.engine.url.render_as_string(hide_password=False)
    opened = open_runtime(WorkflowSettings(database=url, sla=sla), clock=runtime.clock)
    yield opened
    opened.close()


SEED = Path(str(resources.files("hub.workflow.taxonomy").joinpath("data")))  # the packaged taxonomy
REFINEMENT = '{ code = "01.02.03.009", name = "Cannot originate in the metro" },\n'


@pytest.fixture
def refined(tmp_path: Path, runtime: WorkflowRuntime) -> Iterator[WorkflowRuntime]:
    """A second process on the same database whose taxonomy has a level-4 refinement the first lacks (rolled out to
    hub-b only): the same SLA table and calendars."""
    taxonomy = shutil.copytree(SEED, tmp_path / "taxonomy-b")
    categories = taxonomy / "categories.toml"
    text = categories.read_text("utf-8")
    anchor = ('{ code = "01.02.03.002", name = "Cannot originate on a TD-SCDMA terminal", '
              'name_zh = "TD终端无法主叫" },\n')
    assert anchor in text
    categories.write_text(text.replace(anchor, anchor + REFINEMENT), "utf-8")
    url = runtime.store.engine.url.render_as_string(hide_password=False)
    opened = open_runtime(WorkflowSettings(database=url, taxonomy=taxonomy), clock=runtime.clock)
    yield opened
    opened.close()


def rows(runtime: WorkflowRuntime) -> int:
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(rule_file_users)).scalar_one())


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "onepoint.workflow.rules" and r.levelno == logging.WARNING]


def test_processes_with_the_same_files_agree_silently(runtime: WorkflowRuntime,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    a = RuleFileAgreement(runtime, host="hub-a", pid=100)
    b = RuleFileAgreement(runtime, host="hub-b", pid=200)
    assert a.run_pass() == [] and b.run_pass() == [] and a.run_pass() == []
    assert rows(runtime) == 2 and not warnings(caplog)


def test_a_process_with_another_sla_file_is_named_once_until_it_stops(runtime: WorkflowRuntime,
                                                                       edited: WorkflowRuntime,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "onepoint.workflow.rules")
    a = RuleFileAgreement(runtime, host="hub-a", pid=100)
    b = RuleFileAgreement(edited, host="hub-b", pid=200)
    assert a.run_pass() == []  # alone so far
    differing = b.run_pass()
    assert [(d.host, d.pid, d.sla_version) for d in differing] == [("hub-a", 100, runtime.engine.sla.version)]
    [said] = warnings(caplog)
    others = said.__dict__["others"]
    assert len(others) == 1 and others[0].startswith("hub-a pid 100 (started ")
    assert f"sla {runtime.engine.sla.version} (this process: {edited.engine.sla.version})" in others[0]
    assert "calendars" not in others[0]  # only what differs
    assert [d.host for d in a.run_pass()] == ["hub-b"] and len(warnings(caplog)) == 2  # hub-a names hub-b
    for _ in range(3):
        a.run_pass(), b.run_pass()
    assert len(warnings(caplog)) == 2  # not again while nothing changes

    b.stop()  # its row goes at once
    assert rows(runtime) == 1 and a.run_pass() == []
    assert any(r.levelno == logging.INFO and "same rule files again" in r.getMessage() for r in caplog.records)


def last_seen_earlier(runtime: WorkflowRuntime, host: str, by: timedelta) -> None:
    """A process that has not renewed its row for ``by`` (the database's clock ages rows on PostgreSQL, the
    process's on SQLite: moving the row back in time is the same on both)."""
    c = rule_file_users.c
    with runtime.store.engine.begin() as connection:
        for process_id, seen_at in connection.execute(select(c.process_id, c.seen_at).where(c.host == host)).all():
            connection.execute(update(rule_file_users).where(c.process_id == process_id).values(seen_at=seen_at - by))


def test_a_process_gone_without_stopping_ages_out(runtime: WorkflowRuntime, edited: WorkflowRuntime) -> None:
    a = RuleFileAgreement(runtime, host="hub-a", pid=100)
    RuleFileAgreement(edited, host="hub-b", pid=200).run_pass()  # then killed: never renewed, never withdrawn
    assert len(a.run_pass()) == 1
    last_seen_earlier(runtime, "hub-b", timedelta(seconds=50))
    assert len(a.run_pass()) == 1
    last_seen_earlier(runtime, "hub-b", timedelta(seconds=20))
    assert a.run_pass() == [] and rows(runtime) == 1


def test_metrics_count_the_processes_per_versions(runtime: WorkflowRuntime, edited: WorkflowRuntime,
                                                  refined: WorkflowRuntime) -> None:
    metrics = Metrics()
    track_health(metrics, runtime.store, runtime.clock, max_age=0)
    calendars, taxonomy = runtime.engine.calendars.version, runtime.engine.taxonomy.version
    RuleFileAgreement(runtime, host="hub-a", pid=100).run_pass()
    RuleFileAgreement(runtime, host="hub-c", pid=300).run_pass()
    RuleFileAgreement(edited, host="hub-b", pid=200).run_pass()
    RuleFileAgreement(refined, host="hub-d", pid=400).run_pass()
    sla = runtime.engine.sla.version
    assert metrics.value(GAUGE, sla_version=sla, calendars_version=calendars, taxonomy_version=taxonomy) == 2
    assert metrics.value(GAUGE, sla_version=edited.engine.sla.version, calendars_version=calendars,
                         taxonomy_version=taxonomy) == 1
    assert metrics.value(GAUGE, sla_version=sla, calendars_version=calendars,
                         taxonomy_version=refined.engine.taxonomy.version) == 1  # the other taxonomy: its series
    for host in ("hub-a", "hub-b", "hub-c", "hub-d"):  # none renewed for two minutes: none counted
        last_seen_earlier(runtime, host, timedelta(minutes=2))
    assert metrics.value(GAUGE, sla_version=sla, calendars_version=calendars, taxonomy_version=taxonomy) == 0


def test_a_process_with_another_taxonomy_is_named(runtime: WorkflowRuntime, refined: WorkflowRuntime,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Issue 12.3's refinement rolled out to one hub only: the other's worker refuses a complaint in it
    (unknown-category) while this one accepts it. The SLA table and calendars are the same: only the taxonomy's
    version tells them apart, and it is named like a differing rule file."""
    caplog.set_level(logging.INFO, "onepoint.workflow.rules")
    assert "01.02.03.009" in refined.engine.taxonomy and "01.02.03.009" not in runtime.engine.taxonomy
    assert runtime.engine.taxonomy.version != refined.engine.taxonomy.version
    a = RuleFileAgreement(runtime, host="hub-a", pid=100)
    b = RuleFileAgreement(refined, host="hub-b", pid=200)
    assert a.run_pass() == []
    differing = b.run_pass()
    assert [(d.host, d.taxonomy_version) for d in differing] == [("hub-a", runtime.engine.taxonomy.version)]
    [said] = warnings(caplog)
    assert "[workflow] sla, calendars and taxonomy files" in said.getMessage()
    assert said.__dict__["taxonomy_version"] == refined.engine.taxonomy.version
    [other] = said.__dict__["others"]
    assert other.startswith("hub-a pid 100 (started ")
    assert f"taxonomy {runtime.engine.taxonomy.version} (this process: {refined.engine.taxonomy.version})" in other
    assert "sla " not in other and "calendars " not in other  # only what differs
    assert [d.host for d in a.run_pass()] == ["hub-b"] and len(warnings(caplog)) == 2  # hub-a names hub-b
    b.stop()
    assert a.run_pass() == []
    assert any(r.levelno == logging.INFO and "same rule files again" in r.getMessage() for r in caplog.records)


def test_copies_of_the_same_taxonomy_on_two_machines_agree(tmp_path: Path, runtime: WorkflowRuntime) -> None:
    """The version is the files' content, not where they are nor when they were written: a copy of the packaged
    data in another directory is the packaged data's version, and the two processes agree."""
    copy = shutil.copytree(SEED, tmp_path / "elsewhere" / "taxonomy")
    assert taxonomy_version(copy) == taxonomy_version(None) == runtime.engine.taxonomy.version
    url = runtime.store.engine.url.render_as_string(hide_password=False)
    other = open_runtime(WorkflowSettings(database=url, taxonomy=copy), clock=runtime.clock)
    try:
        RuleFileAgreement(runtime, host="hub-a", pid=100).run_pass()
        assert RuleFileAgreement(other, host="hub-b", pid=200).run_pass() == []
    finally:
        other.close()


def test_the_process_id_is_new_at_each_start(runtime: WorkflowRuntime) -> None:
    """A restarted process that got the same pid is another process (its row is not the old one's)."""
    first, second = RuleFileAgreement(runtime, host="h", pid=1), RuleFileAgreement(runtime, host="h", pid=1)
    assert first.process_id != second.process_id and first.process_id.startswith("h/1/")
