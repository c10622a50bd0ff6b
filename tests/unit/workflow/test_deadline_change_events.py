"""A change of an open work order's tier, priority or expected resolution date outside any action (the tier
recheck, a recalculation) reaches the listeners: a ``TroubleTicketAttributeValueChangeEvent`` written in the
change's transaction, naming the fields that changed (docs/event-listeners.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.recalculation import recalculate
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.tier_recheck import TierRecheck
from tests.unit.workflow.deadline_kit import act, clock, create, network_desk_hours, open_on, row
from tests.unit.workflow.test_tier_recheck import Boss, untiered

pytestmark = pytest.mark.unit

CHANGE = "TroubleTicketAttributeValueChangeEvent"


@pytest.fixture
def runtime(tmp_path: Path) -> WorkflowRuntime:
    return open_on(f"sqlite:///{tmp_path / 'wo.db'}", tier_pause_seconds=0)


def changes_of(runtime: WorkflowRuntime, work_order_id: str) -> list[dict[str, Any]]:
    """The tickets of the work order's attribute-change events in the outbox, in order."""
    return [json.loads(e.payload)["event"]["troubleTicket"] for e in runtime.store.events_after(0, 1000)
            if e.work_order_id == work_order_id and e.kind == CHANGE]


def test_a_tier_given_late_by_boss_is_an_attribute_change_naming_tier_priority_and_deadline(
        runtime: WorkflowRuntime) -> None:
    boss = Boss()
    boss.down = False
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=boss)
    work_order_id = untiered(runtime)
    before = row(runtime, work_order_id)
    assert changes_of(runtime, work_order_id) == []
    clock(runtime).advance(timedelta(minutes=1))
    assert TierRecheck(runtime, outbound, backoff=timedelta(minutes=10)).run_pass().tiered == [work_order_id]
    after = row(runtime, work_order_id)
    (ticket,) = changes_of(runtime, work_order_id)
    assert (ticket["tier"], ticket["priority"]) == ("VIP_GOLD", str(after["priority"]))
    assert ticket["expectedResolutionDate"] == after["reply_due"].isoformat()
    change = ticket["attributeValueChange"]
    assert change["fieldPath"] == "tier,priority,expectedResolutionDate"
    assert change["previousValue"] == {"tier": None, "priority": str(before["priority"]),
                                       "expectedResolutionDate": before["reply_due"].isoformat()}
    assert change["value"] == {"tier": "VIP_GOLD", "priority": str(after["priority"]),
                               "expectedResolutionDate": after["reply_due"].isoformat()}
    assert "VIP_GOLD" in change["reason"]


def test_a_recalculation_that_moves_the_deadline_is_an_attribute_change_and_one_that_moves_nothing_is_none(
        runtime: WorkflowRuntime) -> None:
    dispatched = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=5))
    act(runtime, dispatched, A.DISPATCH)  # NMC: the network desk's calendar from now on
    before = row(runtime, dispatched)
    runtime.engine.calendars = network_desk_hours("08:30-12:00")
    assert recalculate(runtime) == 1
    after = row(runtime, dispatched)
    assert after["reply_due"] > before["reply_due"]
    (ticket,) = changes_of(runtime, dispatched)
    change = ticket["attributeValueChange"]
    assert change["fieldPath"] == "expectedResolutionDate"
    assert change["previousValue"] == {"expectedResolutionDate": before["reply_due"].isoformat()}
    assert change["value"] == {"expectedResolutionDate": after["reply_due"].isoformat()}
    assert ticket["expectedResolutionDate"] == after["reply_due"].isoformat()

    # the same hours
    runtime.engine.calendars = network_desk_hours("08:30-10:00", "10:00-12:00", source="mornings only, again")
    assert recalculate(runtime) == 1  # recomputed: another calendar version
    assert len(changes_of(runtime, dispatched)) == 1  # nothing a listener sees changed: no event
