"""A complaint taken while BOSS gave no tier gets its tier, priority, limits and CRM notice once BOSS answers
(``hub.workflow.tier_recheck``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workflow.commands import Complaint
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.tier_recheck import RecheckPass, TierRecheck
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.deadline_kit import act, clock, history, open_on, row
from tests.unit.workflow.kit import EXAMPLES, START

pytestmark = pytest.mark.unit

VIP_ANSWER = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()  # VIP_GOLD, am-0755-0042
C = "urn:onepoint:common:1"


def _error(code: str) -> bytes:
    return (f'<c:Error xmlns:c="{C}"><c:Code>{code}</c:Code><c:Message>refused</c:Message></c:Error>').encode()


class Boss:
    """What the outbound path answers a tier request: ``down`` raises as a timed-out request does."""

    def __init__(self) -> None:
        self.down = True
        self.refused: set[str] = set()  # numbers BOSS's side answers with an error
        self.boss_refused: set[str] = set()  # numbers BOSS itself refuses (a Client fault: boss-refused)
        self.asked: list[str] = []

    def __call__(self, envelope: Envelope) -> bytes:
        msisdn = etree.fromstring(envelope.payload).findtext("{urn:onepoint:boss:1}Msisdn") or ""
        self.asked.append(msisdn)
        if self.down:
            raise TimeoutError("BOSS did not answer")
        if msisdn in self.refused:
            return _error("internal-error")
        if msisdn in self.boss_refused:
            return _error("boss-refused")
        return VIP_ANSWER.replace(b"13800138000", msisdn.encode())


@pytest.fixture
def runtime(tmp_path: Path) -> WorkflowRuntime:
    return open_on(f"sqlite:///{tmp_path / 'wo.db'}", tier_pause_seconds=0)


@pytest.fixture
def boss() -> Boss:
    return Boss()


@pytest.fixture
def recheck(runtime: WorkflowRuntime, boss: Boss) -> Callable[[], TierRecheck]:
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=boss)
    return lambda: TierRecheck(runtime, outbound, backoff=timedelta(minutes=10))


def untiered(runtime: WorkflowRuntime, msisdn: str = "13800138000") -> str:
    complaint = Complaint(channel="HOTLINE", msisdn=msisdn, contact_number=msisdn, category_code="01.02.03",
                          phenomenon="Cannot originate", description="no calls", occurred_at=START,
                          location="Futian", area_code="0755", message_id=f"m-{uuid.uuid4().hex[:12]}")
    with runtime.store.transaction() as tx:
        created = runtime.engine.create(tx, complaint, TierFacts(msisdn, None, known=False, note="BOSS gave no tier"),
                                        runtime.clock.now())
    return str(created.row["id"])


def _sent(recheck: TierRecheck, command: str) -> list[etree._Element]:
    assert isinstance(recheck.outbound, RecordingOutbound)
    return [etree.fromstring(e.payload) for e, _ in recheck.outbound.sent if e.command_type.endswith(command)]


def test_a_work_order_taken_during_a_boss_outage_gets_vip_handling_once_boss_answers(
        runtime: WorkflowRuntime, boss: Boss, recheck: Callable[[], TierRecheck]) -> None:
    work_order_id = untiered(runtime)
    before = row(runtime, work_order_id)
    assert before["tier"] is None
    checker = recheck()

    clock(runtime).advance(timedelta(minutes=1))
    during = checker.run_pass()
    assert during.unanswered and not during.tiered
    assert row(runtime, work_order_id)["tier"] is None
    assert not runtime.tiers.paused  # the recheck's failure does not send new complaints to ordinary limits

    boss.down = False
    clock(runtime).advance(timedelta(minutes=1))
    after_outage = checker.run_pass()
    assert after_outage.tiered == [work_order_id]
    now = row(runtime, work_order_id)
    assert now["tier"] == "VIP_GOLD"
    assert now["priority"] < before["priority"]  # a VIP's priority, a VIP's shorter limits
    assert now["reply_due"] < before["reply_due"]
    entry = [h for h in history(runtime, work_order_id) if h["action"] == "TIER"]
    assert len(entry) == 1 and entry[0]["new_value"] == "VIP_GOLD"
    notices = _sent(checker, "NotifyAccountManager")
    assert len(notices) == 1
    assert notices[0].findtext("{urn:onepoint:crm:1}WorkOrderId") == work_order_id
    assert notices[0].findtext("{urn:onepoint:crm:1}CustomerTier") == "VIP_GOLD"

    asked = len(boss.asked)
    assert checker.run_pass().tiered == [] and len(boss.asked) == asked  # nothing left to ask


def test_a_second_process_that_read_the_same_work_order_changes_nothing_more(
        runtime: WorkflowRuntime, boss: Boss, recheck: Callable[[], TierRecheck]) -> None:
    """Both processes found it untiered and asked BOSS; the one that takes the lock second finds it tiered."""
    boss.down = False
    work_order_id = untiered(runtime)
    first, second = recheck(), recheck()
    assert first.run_pass().tiered == [work_order_id]
    version = row(runtime, work_order_id)["version"]
    late = RecheckPass()
    second._apply(work_order_id, TierFacts("13800138000", "VIP_GOLD", "am-0755-0042"),
                  Envelope(f"tier-recheck-{work_order_id}", "workflow.TierRecheck", "HUB", b""),
                  runtime.clock.now(), late)
    assert late.tiered == [] and late.notified == 0
    assert row(runtime, work_order_id)["version"] == version
    assert [h["action"] for h in history(runtime, work_order_id)].count("TIER") == 1


def test_closed_and_old_work_orders_are_left_and_a_refused_number_does_not_hold_up_the_others(
        runtime: WorkflowRuntime, boss: Boss, recheck: Callable[[], TierRecheck]) -> None:
    old = untiered(runtime, "13800138001")
    clock(runtime).advance(timedelta(hours=25))  # older than the window when asked
    cancelled = untiered(runtime, "13800138002")
    act(runtime, cancelled, A.CANCEL)
    refused = untiered(runtime, "13800138003")
    wanted = untiered(runtime, "13800138004")
    boss.down, boss.refused = False, {"13800138003"}

    checker = recheck()
    done = checker.run_pass()
    assert done.tiered == [wanted]
    assert "13800138001" not in boss.asked and "13800138002" not in boss.asked
    assert row(runtime, refused)["tier"] is None and row(runtime, old)["tier"] is None
    asked = len(boss.asked)
    assert checker.run_pass().tiered == [] and len(boss.asked) == asked  # the refused one waits its back-off
    clock(runtime).advance(timedelta(minutes=11))
    boss.refused = set()
    assert checker.run_pass().tiered == [refused]


def test_after_boss_gave_it_nothing_the_recheck_waits_unless_boss_answered_a_new_complaint(
        runtime: WorkflowRuntime, boss: Boss, recheck: Callable[[], TierRecheck]) -> None:
    work_order_id = untiered(runtime)
    checker = recheck()
    assert checker.run_pass().unanswered
    boss.down = False
    asked = len(boss.asked)
    clock(runtime).advance(timedelta(seconds=10))
    assert checker.run_pass().asked == 0 and len(boss.asked) == asked  # within its retry wait

    assert isinstance(checker.outbound, RecordingOutbound)
    new_complaint = Envelope("cs-new-complaint-0001", "workorder.CreateWorkOrder", "CS", b"")
    assert runtime.tiers.facts("13900139000", checker.outbound.bind(new_complaint, "workflow"),
                               runtime.clock.now()).known  # BOSS answered a new work order: it is back
    assert checker.run_pass().tiered == [work_order_id]


class SlowRoute(RecordingOutbound):
    """The route to a BOSS answering every lookup in 4.5 s: a request waiting less gets no reply (no real time)."""

    def _ask(self, envelope: Envelope, target: str, timeout: float) -> bytes:
        if timeout < 4.5:
            raise TimeoutError(f"no reply in {timeout} s")
        return super()._ask(envelope, target, timeout)


def test_a_slow_but_working_boss_gives_the_recheck_the_tier_the_intake_gave_up_on(
        runtime: WorkflowRuntime, boss: Boss) -> None:
    """BOSS answers in 4.5 s, within the boss route's 10 s: the intake's 3 s bound is not the recheck's."""
    boss.down = False
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    outbound = SlowRoute(table, DocumentValidator(registry), answer=boss)
    complaint = Envelope("cs-new-complaint-0002", "workorder.CreateWorkOrder", "CS", b"")
    assert runtime.tiers.timeout == 3.0
    assert not runtime.tiers.facts("13800138000", outbound.bind(complaint, "workflow"), runtime.clock.now()).known
    work_order_id = untiered(runtime)
    clock(runtime).advance(timedelta(minutes=1))
    assert TierRecheck(runtime, outbound).run_pass().tiered == [work_order_id]
    assert row(runtime, work_order_id)["tier"] == "VIP_GOLD"


def test_a_number_boss_refuses_is_not_asked_again_for_the_rest_of_the_recheck_window(
        runtime: WorkflowRuntime, boss: Boss, recheck: Callable[[], TierRecheck]) -> None:
    """BOSS refusing the customer (``boss-refused``, a Client fault such as Client.AccountFrozen) says the same
    every 10 minutes for 24 h: asked once by the recheck, the work order keeps ordinary limits; the others are
    asked as usual."""
    refused = untiered(runtime, "13800138005")
    wanted = untiered(runtime, "13800138006")
    boss.down, boss.boss_refused = False, {"13800138005"}
    checker = recheck()
    assert checker.run_pass().tiered == [wanted]
    assert boss.asked.count("13800138005") == 1
    for _ in range(24):
        clock(runtime).advance(timedelta(minutes=59))
        checker.run_pass()
    assert boss.asked.count("13800138005") == 1 and row(runtime, refused)["tier"] is None
