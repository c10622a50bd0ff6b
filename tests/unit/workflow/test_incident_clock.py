"""A mass complaint's incident keeps its limits on the intake department's 7×24 clock, whoever owns it (domain
audit): the domain's emergency flow is "fast handling, proactive escalation", yet an incident owned by the network
centre's complaint desk (office hours) and opened on a Saturday night was not due, nor escalated, until Monday."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from tests.unit.workflow.incident_kit import client_of, complain, incidents, settings

pytestmark = pytest.mark.unit

SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_an_incident_opened_on_a_saturday_night_is_due_that_night(tmp_path: Path) -> None:
    clock = ManualClock(SATURDAY_NIGHT)
    runtime = open_runtime(settings(f"sqlite:///{tmp_path / 'wo.db'}"), clock=clock)
    try:
        client = client_of(runtime)
        for number in range(10):  # ten at one hall within minutes: the tenth opens the incident
            complain(client, number)
            clock.advance(timedelta(minutes=1))
        (incident,) = incidents(runtime)
        view = runtime.store.get_work_order(str(incident["id"]))
        assert view is not None and view.row["owner"] == "NMC"  # its fault report went to the network centre
        tier = runtime.engine.sla.rows[view.row["tier"]]
        created = view.row["created_at"]
        assert view.row["reply_due"] - created <= tier.reply  # wall time: the hotline is 7×24
        assert view.row["first_response_due"] - created <= tier.first_response
    finally:
        runtime.close()
