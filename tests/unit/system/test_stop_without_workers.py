"""A system on memory:// that runs no worker of its own still says, at its stop, what its in-process queues lose
(an ERROR per queue with the count): the queues die with the process whether or not a worker consumed them."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.system import HubSystem
from hub.transport import routing_key

pytestmark = pytest.mark.unit

NOTICE = "nsp.OutageNotice"


def lost_at_stop(caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    return {r.queue: r.messages for r in caplog.records  # type: ignore[attr-defined]
            if r.name == "onepoint.system" and r.levelno == logging.ERROR and "lost at stop" in r.getMessage()}


def test_a_stop_without_workers_reports_what_the_in_process_queues_lose_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings: Any = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                            workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}"))
    system = HubSystem(settings, workers=False)
    app = system.start()
    broker = app.router.broker  # type: ignore[attr-defined]
    try:
        assert system.running == []
        for _ in range(3):
            message = message_from_envelope(Envelope(uuid.uuid4().hex, NOTICE, "NSP", b"<OutageNotice/>"),
                                            routing_key("bulletin", NOTICE))
            broker.publish(broker.config.commands_exchange, message).result(10)
        with caplog.at_level(logging.ERROR, logger="onepoint.system"):
            system.stop()
            assert lost_at_stop(caplog) == {broker.config.queue("bulletin"): 3}
            caplog.clear()
            system.stop()  # the app's shutdown and the caller both stop it: said once
            assert lost_at_stop(caplog) == {}
    finally:
        broker.close()
