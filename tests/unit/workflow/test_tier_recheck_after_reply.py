"""The tier recheck leaves a work order already replied without the tier BOSS gives late: its reply was counted under
the tier it had (SLA per tier), and ``onepoint stats rebuild``, which reads the stored tier, must count it there
again — the rebuild equals the maintained counters (docs/statistics.md, "Limits"). What BOSS said is recorded beside
it (``test_tier_recheck_replied_vip``), once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import zone_of
from hub.workflow.statistics.rebuild import rebuild_counters
from hub.workflow.store.schema import work_order_counters
from hub.workflow.tier_recheck import TierRecheck
from tests.unit.workflow.deadline_kit import act, clock, open_on, row
from tests.unit.workflow.kit import EXAMPLES
from tests.unit.workflow.test_tier_recheck import untiered

pytestmark = pytest.mark.unit

VIP_ANSWER = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()  # VIP_GOLD


@pytest.fixture
def runtime(tmp_path: Path) -> WorkflowRuntime:
    return open_on(f"sqlite:///{tmp_path / 'wo.db'}", tier_pause_seconds=0)




def recheck(runtime: WorkflowRuntime) -> TierRecheck:
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    answer = lambda envelope: VIP_ANSWER  # noqa: E731 - BOSS is back
    return TierRecheck(runtime, RecordingOutbound(table, DocumentValidator(registry), answer=answer))


def counters(runtime: WorkflowRuntime) -> Counter[tuple[str, ...]]:
    with runtime.store.engine.connect() as connection:
        return Counter({(r.day, r.category_code, r.area_code, r.tier, r.channel, r.sp_code, r.department,
                         r.group_id, r.measure): r.count
                        for r in connection.execute(select(work_order_counters))})


def test_a_work_order_replied_before_boss_answered_keeps_its_reply_where_it_was_counted(
        runtime: WorkflowRuntime) -> None:
    replied = untiered(runtime, "13800138000")
    waiting = untiered(runtime, "13900139000")
    clock(runtime).advance(timedelta(minutes=10))
    act(runtime, replied, A.REPLY, Result="answered at the desk")  # the desk answered it while BOSS was down
    clock(runtime).advance(timedelta(minutes=1))

    done = recheck(runtime).run_pass()

    assert done.tiered == [waiting]  # the one still awaiting its reply gets its tier
    assert done.recorded == [replied]  # the replied one: BOSS's word recorded, its tier column kept
    assert row(runtime, waiting)["tier"] == "VIP_GOLD"
    assert row(runtime, replied)["tier"] is None and row(runtime, replied)["state"] == "REPLIED"
    maintained = counters(runtime)
    assert any(key[3] == "" and key[8] == "replied_in_sla" for key in maintained)  # the reply's tier: none
    grouped = {key[7]: n for key, n in maintained.items() if key[7] != "*" and len(key[0]) == 10}
    assert grouped == {row(runtime, waiting)["group_id"]: 2}  # both named a group by BOSS now: counted in it
    rebuild_counters(runtime.store.engine, zone_of(runtime.engine.observers))
    assert counters(runtime) == maintained
    runtime.close()


def test_the_replied_work_order_is_asked_of_boss_once(runtime: WorkflowRuntime) -> None:
    replied = untiered(runtime, "13800138000")
    act(runtime, replied, A.REPLY, Result="answered at the desk")
    clock(runtime).advance(timedelta(minutes=1))
    checker = recheck(runtime)
    done = checker.run_pass()
    assert (done.asked, done.tiered) == (1, [])
    assert row(runtime, replied)["tier"] is None
    assert isinstance(checker.outbound, RecordingOutbound)
    sent = len(checker.outbound.sent)
    assert done.recorded == [replied]
    clock(runtime).advance(timedelta(minutes=1))
    again = checker.run_pass()
    assert (again.asked, again.tiered, again.recorded) == (0, [], [])
    assert len(checker.outbound.sent) == sent
    runtime.close()
