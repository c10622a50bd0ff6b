"""A group customer is always marked as a group customer (domain brief: ordinary members served like contract
customers, "always marked as group customers"; the highest identity wins the tier): the group BOSS lists the
customer in is kept on the work order whatever tier won, shown by QueryWorkOrder(s) and filtered by QueryWorkOrders'
GroupId (store migration 0020, ``hub.workflow.group_membership``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.group_membership import GroupMembership, group_membership
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.tier_recheck import TierRecheck
from hub.workflow.tiers import TierLookup
from tests.unit.workflow.deadline_kit import open_on, row
from tests.unit.workflow.kit import EXAMPLES, WO, answer, command, envelope, text
from tests.unit.workflow.test_tier_recheck import untiered

pytestmark = pytest.mark.unit

BOSS = "urn:onepoint:boss:1"
EXAMPLE = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()  # VIP_GOLD, DECISION_MAKER
NOW = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)
HUAXIN = "4403001288"


def identity(tier: str, group_id: str | None = None, role: str | None = None, name: str | None = None,
             valid_until: str | None = None) -> str:
    parts = [f"<boss:Tier>{tier}</boss:Tier>"]
    if group_id:
        parts.append(f"<boss:GroupId>{group_id}</boss:GroupId>")
    if name:
        parts.append(f"<boss:GroupName>{name}</boss:GroupName>")
    if role:
        parts.append(f"<boss:GroupRole>{role}</boss:GroupRole>")
    if valid_until:
        parts.append(f"<boss:ValidUntil>{valid_until}</boss:ValidUntil>")
    return f'<boss:Identity xmlns:boss="{BOSS}">' + "".join(parts) + "</boss:Identity>"


def tier_answer(*identities: str, effective: str = "VIP_GOLD") -> bytes:
    """The example answer with ``identities`` in place of its own (the rest as BOSS gave it)."""
    document = etree.fromstring(EXAMPLE)
    for found in document.findall(f"{{{BOSS}}}Identity"):
        document.remove(found)
    at = document.find(f"{{{BOSS}}}Brand")
    assert at is not None
    for written in identities:
        at.addnext(etree.fromstring(written))
        at = at.getnext()
        assert at is not None
    tier = document.find(f"{{{BOSS}}}EffectiveTier")
    assert tier is not None
    tier.text = effective
    return etree.tostring(document)


VIP_AND_MEMBER = tier_answer(identity("VIP_GOLD"), identity("GROUP_MEMBER", HUAXIN, "MEMBER", "华信精密"))


class Boss:
    def __init__(self, answer: bytes) -> None:
        self.answer = answer

    def request(self, document: bytes | etree._Element, *, step: str, timeout: float | None = None) -> bytes:
        return self.answer


# -- BOSS's answer read -------------------------------------------------------------------------------------------


def test_a_vip_who_is_an_ordinary_member_keeps_the_vip_tier_and_the_group() -> None:
    facts = TierLookup().facts("13800138000", Boss(VIP_AND_MEMBER), NOW)
    assert facts.tier == "VIP_GOLD"
    assert facts.group == GroupMembership(HUAXIN, "华信精密", "MEMBER")
    assert facts.group_columns == {"group_id": HUAXIN, "group_name": "华信精密", "group_role": "MEMBER"}


def test_the_example_answer_gives_the_decision_makers_group() -> None:
    facts = TierLookup().facts("13800138000", Boss(EXAMPLE), NOW)
    assert facts.group == GroupMembership(HUAXIN, "深圳市华信精密制造有限公司", "DECISION_MAKER")


def test_a_customer_in_no_group_has_none() -> None:
    facts = TierLookup().facts("13800138000", Boss(tier_answer(identity("VIP_GOLD"), identity("CONTRACT"))), NOW)
    assert facts.group is None
    assert facts.group_columns == {"group_id": None, "group_name": None, "group_role": None}


def test_of_several_groups_the_highest_identitys_is_kept() -> None:
    member_first = etree.fromstring(tier_answer(identity("GROUP_MEMBER", "4403000001", "MEMBER"),
                                                identity("GROUP_MEMBER", "4403000002", "CONTACT"),
                                                identity("GROUP_KEY_PERSON", "4403000003", "DECISION_MAKER")))
    assert group_membership(member_first) == GroupMembership("4403000002", None, "CONTACT")  # first key person
    equals = etree.fromstring(tier_answer(identity("GROUP_MEMBER", "4403000001", "MEMBER"),
                                          identity("GROUP_MEMBER", "4403000002", "MEMBER")))
    assert group_membership(equals) == GroupMembership("4403000001", None, "MEMBER")  # BOSS's first of equals


def test_a_membership_over_before_the_operators_day_is_not_kept() -> None:
    answered = etree.fromstring(tier_answer(identity("GROUP_KEY_PERSON", "4403000003", "DECISION_MAKER",
                                                     valid_until="2026-11-22"),
                                            identity("GROUP_MEMBER", "4403000001", "MEMBER",
                                                     valid_until="2026-11-23")))
    assert group_membership(answered, date(2026, 11, 23)) == GroupMembership("4403000001", None, "MEMBER")
    assert group_membership(answered, date(2026, 11, 24)) is None


# -- kept, shown and filtered -------------------------------------------------------------------------------------


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    opened = open_on(f"sqlite:///{tmp_path / 'wo.db'}")
    yield opened
    opened.close()


def client_answering(runtime: WorkflowRuntime, answers: Callable[[Envelope], bytes]) -> WorkerTestClient:
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=answers)
    return WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                            store=WorkOrderProcessedStore(runtime.store), outbound=outbound)


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(resources.files("onepoint_schemas") / "workorder.xsd")))


def created(client: WorkerTestClient, msisdn: str) -> str:
    document, message_id = command("CreateWorkOrder.valid.xml", Msisdn=msisdn)
    return text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""


def test_creation_keeps_the_group_and_query_work_order_shows_it(runtime: WorkflowRuntime) -> None:
    client = client_answering(runtime, lambda sent: VIP_AND_MEMBER)
    work_order_id = created(client, "13800138000")
    kept = row(runtime, work_order_id)
    assert (kept["tier"], kept["group_id"], kept["group_name"], kept["group_role"]) == (
        "VIP_GOLD", HUAXIN, "华信精密", "MEMBER")
    document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    answered = answer(client.request(envelope(document, message_id)))
    _schema().assertValid(answered)
    assert text(answered, "wo:WorkOrder/wo:Tier") == "VIP_GOLD"
    assert text(answered, "wo:WorkOrder/wo:Group/wo:GroupId") == HUAXIN
    assert text(answered, "wo:WorkOrder/wo:Group/wo:GroupName") == "华信精密"
    assert text(answered, "wo:WorkOrder/wo:Group/wo:GroupRole") == "MEMBER"


def test_query_work_orders_filters_by_group_whatever_the_tier(runtime: WorkflowRuntime) -> None:
    answers = {"13800138000": VIP_AND_MEMBER,
               "13800138001": tier_answer(identity("GROUP_MEMBER", HUAXIN, "MEMBER"), effective="GROUP_MEMBER"),
               "13800138002": tier_answer(identity("VIP_GOLD"))}

    def boss(sent: Envelope) -> bytes:
        return answers[etree.fromstring(sent.payload).findtext(f"{{{BOSS}}}Msisdn") or ""]

    client = client_answering(runtime, boss)
    members = [created(client, "13800138000"), created(client, "13800138001")]
    other = created(client, "13800138002")
    document = etree.parse(str(EXAMPLES / "workorder" / "QueryWorkOrders.valid-group.xml")).getroot()
    for state in document.findall(f"{{{WO}}}State"):
        document.remove(state)
    document, message_id = command_of(document)
    answered = answer(client.request(envelope(document, message_id)))
    _schema().assertValid(answered)
    found = [text(w, "wo:WorkOrderId") for w in answered.iterfind("wo:WorkOrder", {"wo": WO})]
    assert sorted(found) == sorted(members) and other not in found  # type: ignore[type-var]
    assert text(answered, "wo:Total") == "2"
    assert {text(w, "wo:Group/wo:GroupId") for w in answered.iterfind("wo:WorkOrder", {"wo": WO})} == {HUAXIN}
    assert {text(w, "wo:Tier") for w in answered.iterfind("wo:WorkOrder", {"wo": WO})} == {"VIP_GOLD",
                                                                                           "GROUP_MEMBER"}


def command_of(document: etree._Element) -> tuple[etree._Element, str]:
    """``document`` with a MessageId of its own."""
    message_id = f"cs-group-{id(document):x}"[:40]
    header_id = document.find(f"{{{WO}}}Header/{{urn:onepoint:common:1}}MessageId")
    assert header_id is not None
    header_id.text = message_id
    return document, message_id


def test_a_tier_given_late_by_boss_brings_the_group(runtime: WorkflowRuntime) -> None:
    work_order_id = untiered(runtime)
    assert row(runtime, work_order_id)["group_id"] is None
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=lambda sent: VIP_AND_MEMBER)
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))
    assert TierRecheck(runtime, outbound, backoff=timedelta(minutes=10)).run_pass().tiered == [work_order_id]
    kept = row(runtime, work_order_id)
    assert (kept["tier"], kept["group_id"], kept["group_role"]) == ("VIP_GOLD", HUAXIN, "MEMBER")
