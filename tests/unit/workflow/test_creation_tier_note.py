"""The creation history says where the work order's tier came from: BOSS's tier, or the lookup's own note when BOSS
gave none (an unknown number filed as another network's caller must not read "tier OTHER_BRAND from BOSS")."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from hub.workflow.commands import Complaint
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.deadline_kit import history, open_on
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit


def accepted_note(tmp_path: Path, facts: TierFacts) -> str:
    runtime = open_on(f"sqlite:///{tmp_path}/wo.db")
    complaint = Complaint(channel="HOTLINE", msisdn=facts.msisdn, contact_number="13800138000",
                          category_code="01.02.03", phenomenon="Cannot originate", description="no calls",
                          occurred_at=START, location="Futian", area_code="0755",
                          message_id=f"m-{uuid.uuid4().hex[:12]}")
    with runtime.store.transaction() as tx:
        work_order_id = str(runtime.engine.create(tx, complaint, facts, runtime.clock.now()).row["id"])
    return str(next(e["note"] for e in history(runtime, work_order_id) if e["action"] == "ACCEPT"))


def test_an_unknown_number_is_said_to_be_taken_for_another_networks_caller_not_a_tier_from_boss(
        tmp_path: Path) -> None:
    note = "BOSS: subscriber-not-found; treated as another network's caller"
    said = accepted_note(tmp_path, TierFacts("13900000001", "OTHER_BRAND", note=note))
    assert said.startswith(note) and "from BOSS" not in said
    assert "priority 4" in said  # the priority it was given all the same


def test_a_tier_boss_gave_is_said_to_come_from_boss(tmp_path: Path) -> None:
    said = accepted_note(tmp_path, TierFacts("13800138000", "VIP_GOLD", "am-0755-0042"))
    assert said.startswith("tier VIP_GOLD from BOSS: priority ")
