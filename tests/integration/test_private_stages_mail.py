"""The private systems of ``onepoint demo`` and ``onepoint simulate`` point the hub's ``[mail]`` at the mail
emulator they start (its SMTP server on a free port), as ``onepoint serve`` does: an offline department's dispatch
mail reaches it, not whatever listens on the built-in 8025."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.demo.stage import OFFLINE_DEPARTMENT, DemoStage
from hub.simulate.clock import SimulatedTime
from hub.simulate.stage import SimulationStage

pytestmark = pytest.mark.integration


def test_the_demo_points_mail_at_its_emulator_and_marks_billing_offline() -> None:
    with DemoStage("memory://") as stage:
        smtp = stage.emulated.smtp_addresses()["mail"]
        assert (stage.settings.mail.smtp_host, stage.settings.mail.smtp_port) == smtp
        assert smtp[1] != 8025 and OFFLINE_DEPARTMENT in stage.settings.mail.offline


def test_the_simulation_points_mail_at_its_emulator() -> None:
    time_ = SimulatedTime(datetime(2026, 11, 30, tzinfo=UTC), 60.0)
    with SimulationStage(time_, rules=False, seed=0, subscribers=200) as stage:
        assert (stage.settings.mail.smtp_host, stage.settings.mail.smtp_port) == \
            stage.emulated.smtp_addresses()["mail"]
