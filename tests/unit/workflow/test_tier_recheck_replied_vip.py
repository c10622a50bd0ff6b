"""A VIP's complaint taken while BOSS gave no tier and replied at first contact (REPLIED, still open, return visit
due) reaches its account manager once BOSS answers again (``hub.workflow.tier_recheck``): the recheck keeps the
counted tier columns (no tier, the ordinary priority and limits: the reply was counted so, docs/statistics.md) but
records what BOSS said (a ``boss_tier`` history entry, ``account_manager_id``) and sends the manager the creation
notice and, the visit still to make, the return-visit notice, once, with message ids derived from the work order.
Through the workflow's handlers (WorkerTestClient) as the hotline would: create while BOSS is down, reply, query."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.routing.message_ids import derive_message_id
from hub.routing.outbound import OutboundError, RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import open_runtime
from hub.workflow.statistics import zone_of
from hub.workflow.statistics.rebuild import rebuild_counters
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.schema import work_order_counters
from hub.workflow.tier_recheck import CONSUMER as RECHECK
from hub.workflow.tier_recheck import RecheckPass, TierRecheck
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.kit import EXAMPLES, START, WO, answer, command, envelope, text

pytestmark = pytest.mark.unit

TIER = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()  # VIP_GOLD, am-0755-0042
MANAGER = "am-0755-0042"
CRM = "{urn:onepoint:crm:1}"


class Hotline:
    """The workflow's handlers behind a WorkerTestClient, BOSS down or up; the recheck with its own outbound."""

    def __init__(self) -> None:
        self.boss_up = False
        folder = Path(tempfile.mkdtemp())
        settings = WorkflowSettings(database=f"sqlite:///{folder / 'wo.db'}", tier_pause_seconds=0)
        self.runtime = open_runtime(settings, clock=ManualClock(START))
        registry = CommandSetRegistry.installed()
        table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
        self.client = WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": self.runtime},
                                       store=WorkOrderProcessedStore(self.runtime.store),
                                       outbound=RecordingOutbound(table, DocumentValidator(registry),
                                                                  answer=self._boss))
        self.recheck_outbound = RecordingOutbound(table, DocumentValidator(registry), answer=self._boss)

    def _boss(self, sent: Envelope) -> bytes:
        if sent.command_type == "boss.QueryCustomerTier" and not self.boss_up:
            raise OutboundError("BOSS: connection refused")
        return TIER

    def recheck(self, window: timedelta = timedelta(hours=24)) -> TierRecheck:
        return TierRecheck(self.runtime, self.recheck_outbound, window=window)

    def create(self, msisdn: str) -> etree._Element:
        document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode="01.02.03", Msisdn=msisdn)
        return answer(self.client.request(envelope(document, message_id)))

    def reply(self, work_order_id: str) -> str | None:
        document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
        return text(answer(self.client.request(envelope(document, message_id))), "wo:State")

    def query(self, work_order_id: str) -> etree._Element:
        document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
        found = answer(self.client.request(envelope(document, message_id))).find(f"{{{WO}}}WorkOrder")
        assert found is not None
        return found

    def row(self, work_order_id: str) -> dict[str, object]:
        view = self.runtime.store.get_work_order(work_order_id)
        assert view is not None
        return dict(view.row)

    def advance(self, delta: timedelta) -> None:
        clock = self.runtime.clock
        assert isinstance(clock, ManualClock)
        clock.advance(delta)

    def notices(self) -> list[tuple[Envelope, etree._Element]]:
        return [(e, etree.fromstring(e.payload)) for e, _ in self.recheck_outbound.sent
                if e.command_type == "crm.NotifyAccountManager"]

    def counters(self) -> Counter[tuple[object, ...]]:
        with self.runtime.store.engine.connect() as connection:
            return Counter({(r.day, r.category_code, r.area_code, r.tier, r.channel, r.sp_code, r.department,
                         r.group_id, r.measure): r.count
                            for r in connection.execute(select(work_order_counters))})


@pytest.fixture
def hotline() -> Iterator[Hotline]:
    opened = Hotline()
    yield opened
    opened.runtime.close()


def untiered(hotline: Hotline, msisdn: str) -> str:
    """A complaint taken while BOSS is down: no tier, ordinary priority."""
    created = hotline.create(msisdn)
    assert text(created, "wo:Tier") is None
    return text(created, "wo:WorkOrderId") or ""


def boss_back(hotline: Hotline) -> None:
    hotline.boss_up = True
    hotline.advance(timedelta(minutes=2))  # past the pause of new work orders' lookups


def history_fields(work_order: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in work_order.findall(f"{{{WO}}}History"):
        name = entry.findtext(f"{{{WO}}}Field")
        if name:
            found.setdefault(name, []).append(entry.findtext(f"{{{WO}}}NewValue") or "")
    return found


def test_a_vip_complaint_replied_before_its_tier_came_reaches_its_account_manager_once(hotline: Hotline) -> None:
    work_order_id = untiered(hotline, "13800138000")
    hotline.advance(timedelta(minutes=3))
    assert hotline.reply(work_order_id) == "REPLIED"  # first contact, BOSS still down
    before = hotline.row(work_order_id)
    counted = hotline.counters()
    assert counted  # the creation and the reply were counted, under no tier
    boss_back(hotline)

    done = hotline.recheck().run_pass()

    after = hotline.row(work_order_id)
    # the counted tier columns as they were: the reply stays counted under no tier
    for column in ("tier", "priority", "reply_due", "first_response_due", "return_visit_due", "replied_at", "state"):
        assert after[column] == before[column], column
    assert after["tier"] is None and after["account_manager_id"] == MANAGER
    now_counted = hotline.counters()
    moved = now_counted - counted
    assert counted - now_counted == Counter()  # the statistics did not move, but for the group BOSS named now:
    assert moved and all(key[7] == after["group_id"] and key[8] == "created" for key in moved)  # its complaint
    rebuild_counters(hotline.runtime.store.engine, zone_of(hotline.runtime.engine.observers))
    assert hotline.counters() == now_counted  # and a rebuild counts the reply where it was

    notices = hotline.notices()
    assert len(notices) == 2
    creation, visit = (document for _, document in notices)
    for document in (creation, visit):
        assert document.findtext(f"{CRM}AccountManagerId") == MANAGER
        assert document.findtext(f"{CRM}WorkOrderId") == work_order_id
        assert document.findtext(f"{CRM}CustomerTier") == "VIP_GOLD"
    assert (creation.findtext(f"{CRM}Summary") or "").startswith("Replied at ")
    assert creation.find(f"{CRM}DueAt") is None  # the reply is made: nothing of it is due
    assert (visit.findtext(f"{CRM}Summary") or "").startswith("Replied, return visit due by ")
    return_visit_due = after["return_visit_due"]
    assert isinstance(return_visit_due, datetime)
    assert datetime.fromisoformat(visit.findtext(f"{CRM}DueAt") or "") == return_visit_due
    # the summaries a person reads give the times in the operator's zone, to the second (they were UTC, milliseconds)
    zone = hotline.runtime.engine.settings.local_zone
    assert (visit.findtext(f"{CRM}Summary") or "").startswith(
        f"Replied, return visit due by {return_visit_due.astimezone(zone).isoformat(timespec='seconds')}")
    assert "+08:00 while BOSS gave no tier" in (creation.findtext(f"{CRM}Summary") or "")
    cause = f"tier-recheck-{work_order_id}"
    assert [e.message_id for e, _ in notices] == [derive_message_id(cause, "crm-notify", RECHECK, "HUB"),
                                                  derive_message_id(cause, "crm-return-visit", RECHECK, "HUB")]

    queried = hotline.query(work_order_id)  # what BOSS said, as QueryWorkOrder shows it
    assert queried.findtext(f"{{{WO}}}Tier") is None and queried.findtext(f"{{{WO}}}State") == "REPLIED"
    fields = history_fields(queried)
    assert fields["boss_tier"] == ["VIP_GOLD"] and fields["account_manager_id"] == [MANAGER]
    assert done.recorded == [work_order_id] and done.tiered == [] and done.notified == 2


def test_not_yet_replied_gets_its_tier_as_before_beside_a_replied_one_told(hotline: Hotline) -> None:
    replied = untiered(hotline, "13800138000")
    waiting = untiered(hotline, "13900139000")
    hotline.advance(timedelta(minutes=3))
    assert hotline.reply(replied) == "REPLIED"
    before = hotline.row(waiting)
    boss_back(hotline)

    done = hotline.recheck().run_pass()

    assert done.tiered == [waiting]
    now = hotline.row(waiting)  # as before: the tier, a VIP's priority and limits, the manager
    assert now["tier"] == "VIP_GOLD" and now["account_manager_id"] == MANAGER
    assert now["priority"] < before["priority"] and now["reply_due"] < before["reply_due"]  # type: ignore[operator]
    by_work_order = Counter(d.findtext(f"{CRM}WorkOrderId") for _, d in hotline.notices())
    assert by_work_order == Counter({waiting: 1, replied: 2})  # its creation notice only; the replied one's two
    notice = next(d for _, d in hotline.notices() if d.findtext(f"{CRM}WorkOrderId") == waiting)
    assert datetime.fromisoformat(notice.findtext(f"{CRM}DueAt") or "") == now["reply_due"]  # due by its reply
    assert "boss_tier" not in history_fields(hotline.query(waiting))  # a TIER entry of the tier itself
    assert hotline.row(replied)["tier"] is None
    assert done.recorded == [replied]

    assert hotline.reply(waiting) == "REPLIED"  # its return visit: told at the reply, as before
    assert Counter(e.command_type for e, _ in hotline.client.sent)["crm.NotifyAccountManager"] == 1


def test_a_recheck_run_again_or_by_a_second_process_sends_no_second_notice(hotline: Hotline) -> None:
    work_order_id = untiered(hotline, "13800138000")
    hotline.advance(timedelta(minutes=3))
    assert hotline.reply(work_order_id) == "REPLIED"
    boss_back(hotline)
    first, second = hotline.recheck(), hotline.recheck()

    first.run_pass()
    assert len(hotline.notices()) == 2  # the creation and the return-visit notice
    version = hotline.row(work_order_id)["version"]
    hotline.advance(timedelta(minutes=1))
    asked = len(hotline.recheck_outbound.sent)
    again = first.run_pass()
    assert (again.asked, again.recorded, again.notified) == (0, [], 0)  # nothing left to ask
    assert second.run_pass().notified == 0
    # a second process that found it before the first one recorded it: under the lock it finds the record
    late = RecheckPass()
    second._apply(work_order_id, TierFacts("13800138000", "VIP_GOLD", MANAGER),
                  Envelope(f"tier-recheck-{work_order_id}", "workflow.TierRecheck", "HUB", b""),
                  hotline.runtime.clock.now(), late)
    assert (late.recorded, late.notified) == ([], 0)
    assert len(hotline.recheck_outbound.sent) == asked and len(hotline.notices()) == 2
    assert hotline.row(work_order_id)["version"] == version
    assert history_fields(hotline.query(work_order_id))["boss_tier"] == ["VIP_GOLD"]


def test_a_return_visit_made_already_owes_no_second_visit_and_an_overdue_one_is_still_owed(hotline: Hotline) -> None:
    visited = untiered(hotline, "13800138000")
    overdue = untiered(hotline, "13900139000")
    hotline.advance(timedelta(minutes=3))
    assert hotline.reply(visited) == "REPLIED" and hotline.reply(overdue) == "REPLIED"
    document, message_id = command("WorkOrderAction.valid-callback.xml", WorkOrderId=visited)
    assert text(answer(hotline.client.request(envelope(document, message_id))), "wo:State") == "RETURN_VISITED"
    boss_back(hotline)
    hotline.advance(timedelta(hours=25))  # past the 24 h return-visit limit: only a recheck window set longer sees it

    hotline.recheck(window=timedelta(hours=48)).run_pass()

    told = Counter(d.findtext(f"{CRM}WorkOrderId") for _, d in hotline.notices())
    assert told == Counter({visited: 1, overdue: 2})  # the visit made: the creation notice only
    assert hotline.row(visited)["account_manager_id"] == MANAGER
    visit = [d for _, d in hotline.notices() if d.findtext(f"{CRM}WorkOrderId") == overdue][1]
    assert (visit.findtext(f"{CRM}Summary") or "").startswith("Replied, return visit due by ")
    assert ", overdue:" in (visit.findtext(f"{CRM}Summary") or "")  # still owed, said late
    assert datetime.fromisoformat(visit.findtext(f"{CRM}DueAt") or "") == hotline.row(overdue)["return_visit_due"]


def test_the_boss_tier_entry_says_the_visits_limit_in_the_operators_zone(hotline: Hotline) -> None:
    """``workorders show`` prints the history in the operator's zone: the entry's "due by" is said in it too."""
    work_order_id = untiered(hotline, "13800138000")
    hotline.advance(timedelta(minutes=3))
    assert hotline.reply(work_order_id) == "REPLIED"
    boss_back(hotline)

    hotline.recheck().run_pass()

    due = hotline.row(work_order_id)["return_visit_due"]
    assert isinstance(due, datetime)
    view = hotline.runtime.store.get_work_order(work_order_id)
    assert view is not None
    [note] = [str(h["note"]) for h in view.history if h["field"] == "boss_tier"]
    zone = hotline.runtime.engine.settings.local_zone
    assert note.endswith(f", due by {due.astimezone(zone).isoformat(timespec='seconds')}")
    assert note.endswith("+08:00")
