"""A running hub takes an edited sla.toml or calendars.toml without a restart: the scheduler reloads it and
recalculates the open work orders, an action never writes back the table another process recalculated from
(``onepoint workorders recalculate`` after the edit), and a file refused by the checks leaves the running one."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from hub.workflow.datafile import packaged
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, create, open_on, row, sla_seed_with, write

pytestmark = pytest.mark.unit

CONTRACT = '[tiers.CONTRACT]\npriority = 3\nfirst_response = "1h"\nreply = "24h"'
SHORTER = '[tiers.CONTRACT]\npriority = 3\nfirst_response = "1h"\nreply = "12h"'


@pytest.fixture
def sla(tmp_path: Path) -> Path:
    return write(tmp_path / "sla.toml", packaged("sla.toml").read_text(encoding="utf-8"))


def test_the_scheduler_reloads_an_edited_table_and_recalculates(tmp_path: Path, sla: Path) -> None:
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}", sla=sla)
    try:
        scheduler = DeadlineScheduler(hub, None)
        assert scheduler.follow_rule_files() == 0  # at start: every work order current
        work_order_id = create(hub, "CONTRACT")  # on the 7x24 hotline: reply within 24 h
        old = row(hub, work_order_id)["sla_version"]
        write(sla, sla_seed_with(CONTRACT, SHORTER))
        assert scheduler.follow_rule_files() == 1
        after = row(hub, work_order_id)
        assert after["sla_version"] != old and after["reply_due"] == after["created_at"] + timedelta(hours=12)
        assert scheduler.follow_rule_files() == 0  # once per version
        fresh = row(hub, create(hub, "CONTRACT", msisdn="13900000001"))
        assert fresh["reply_due"] == fresh["created_at"] + timedelta(hours=12)
    finally:
        hub.close()


def test_an_action_never_undoes_a_recalculation_from_the_edited_file(tmp_path: Path, sla: Path) -> None:
    database = f"sqlite:///{tmp_path / 'wo.db'}"
    hub = open_on(database, sla=sla)  # the running hub: loaded the table at its start
    try:
        work_order_id = create(hub, "CONTRACT")
        write(sla, sla_seed_with(CONTRACT, SHORTER))
        cli = open_on(database, sla=sla)  # `onepoint workorders recalculate`, right after the edit
        try:
            assert DeadlineScheduler(cli, None).recalculate() == 1
            new = cli.engine.sla.version
        finally:
            cli.close()
        act(hub, work_order_id, A.DISPATCH)  # the hub's next action, before its scheduler looked at the file
        assert row(hub, work_order_id)["sla_version"] == new
        assert hub.engine.sla.version == new
    finally:
        hub.close()


def test_a_refused_edit_leaves_the_running_table(tmp_path: Path, sla: Path, caplog) -> None:
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}", sla=sla)
    try:
        running = hub.engine.sla.version
        assert hub.rules is not None
        write(sla, sla_seed_with(CONTRACT, CONTRACT.replace('"24h"', '"24 hours"')))
        assert hub.rules.refresh() is False and hub.engine.sla.version == running
        assert "SLA table not reloaded" in caplog.text
        assert hub.rules.refresh() is False  # not read again until it changes
        write(sla, sla_seed_with(CONTRACT, SHORTER))
        assert hub.rules.refresh() is True and hub.engine.sla.version != running
    finally:
        hub.close()


def test_an_edited_calendar_is_reloaded(tmp_path: Path) -> None:
    calendars = write(tmp_path / "calendars.toml", packaged("calendars.toml").read_text(encoding="utf-8"))
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}", calendars=calendars)
    try:
        before = hub.engine.calendars.version
        text = calendars.read_text(encoding="utf-8").replace('mon = ["08:30-12:00", "13:30-17:30"]',
                                                             'mon = ["08:00-12:00", "13:30-17:30"]', 1)
        write(calendars, text)
        assert hub.rules is not None and hub.rules.refresh() is True
        assert hub.engine.calendars.version != before
    finally:
        hub.close()


def test_the_start_does_not_wait_for_the_recalculation(tmp_path: Path, monkeypatch) -> None:
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}")
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def recalculate(*_: object, **__: object) -> int:
        started.set()
        release.wait()
        done.set()
        return 0

    monkeypatch.setattr("hub.workflow.scheduler.recalculate", recalculate)
    scheduler = DeadlineScheduler(hub, None, interval=3600).start()  # returns while the recalculation runs
    try:
        assert started.wait(30) and not done.is_set()
    finally:
        release.set()
        scheduler.stop()
        hub.close()
    assert done.is_set()


def test_a_reload_that_leaves_escalation_managers_unused_is_taken_and_warned_of(tmp_path: Path, sla: Path,
                                                                                  caplog) -> None:
    """At start an entry of ``[workflow.escalation_managers]`` for a role no chain has stops the hub; a table
    reloaded later without that role is taken (its entries are only never looked up) and a WARNING names them."""
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}", sla=sla,
                  escalation_managers={"SERVICE_DIRECTOR": {"*": "sz-director"}})
    try:
        running = hub.engine.sla.version
        assert hub.rules is not None
        write(sla, packaged("sla.toml").read_text(encoding="utf-8").replace("SERVICE_DIRECTOR", "AREA_DIRECTOR"))
        assert hub.rules.refresh() is True and hub.engine.sla.version != running
        warned = [r for r in caplog.records if r.getMessage().startswith("escalation managers left unused")]
        assert len(warned) == 1 and warned[0].levelname == "WARNING"
        assert "SERVICE_DIRECTOR" in str(warned[0].__dict__["reason"])
    finally:
        hub.close()
