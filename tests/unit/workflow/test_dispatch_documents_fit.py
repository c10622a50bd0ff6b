"""What a dispatch sends fits its schema without losing what the agent gave (docs/lifecycle.md, "A dispatch leaves
the hub at once"):

- a ``fault_time`` the template takes (``datetime.fromisoformat``) whose offset no xs:dateTime carries (seconds:
  ``+08:00:30``, or Shanghai's local mean time ``+08:05:43`` before 1901; beyond 14 hours) is NSP's ``OccurredAt`` as
  the same instant in UTC; one no datetime holds in UTC is left for the complaint's own time. Before, the document
  was refused at the outbound path and the dispatch dead-lettered, the agent left without an answer;
- the 40 fields ``wo:Dispatch`` takes all reach NSP: the work order's msisdn the hub adds (``nsp:Msisdn`` carries it)
  makes way, not the agent's last fields;
- a department's OA to-do carries the dispatch's fields ahead of a long description (cut to the room left);
- NSP gets the complaint's description (c:LongText, 4000) and the dispatch's instructions, each with its own room
  (before: both cut to 2000 characters together, the instructions lost behind a long description).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.network_dispatch import DESCRIPTION_LENGTH, dispatch_description
from tests.unit.workflow.kit import answer, command, envelope, template_dispatch, text

pytestmark = pytest.mark.unit

NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
SHENZHEN = ZoneInfo("Asia/Shanghai")
VOICE = {"terminal_type": "Nokia N95", "fault_place": "Futian", "calling_functions_affected": "local",
         "announcement_heard": "cannot be connected"}  # 01.02.03 (voice_originate) but for its fault_time


def _create(client: WorkerTestClient, category: str, msisdn: str, **extra: str) -> str:
    document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode=category, Msisdn=msisdn, **extra)
    found = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId")
    assert found is not None
    return found


def _dispatch(client: WorkerTestClient, work_order_id: str, fields: dict[str, str]) -> etree._Element:
    """Dispatch with exactly ``fields`` to the template's target; the one document sent, valid against its schema."""
    document, message_id = template_dispatch(work_order_id, fields)
    before = len(client.sent)
    result = client.request(envelope(document, message_id))
    assert result.reply is not None, result  # before: dead-lettered (DocumentRefused), no answer
    reply = answer(result)
    assert text(reply, "wo:State") == "DISPATCHED", etree.tostring(reply)
    registry = CommandSetRegistry.installed()
    (sent,) = [etree.fromstring(e.payload) for e, _ in client.sent[before:]
               if e.command_type in ("nsp.NetworkComplaintDispatch", "oa.PushTodo")]
    schema = registry.get(etree.QName(sent).namespace.rsplit(":", 2)[1]).lxml_schema
    assert schema.validate(sent), schema.error_log
    return sent


@pytest.mark.parametrize(("given", "instant"), [
    ("2026-11-23T08:40:00+08:00:30", datetime(2026, 11, 23, 0, 39, 30, tzinfo=UTC)),
    ("1900-01-01 08:00", datetime(1900, 1, 1, 8, 0, tzinfo=SHENZHEN)),  # local mean time: +08:05:43
    ("2026-11-23T08:40:00+20:00", datetime(2026, 11, 22, 12, 40, tzinfo=UTC)),  # beyond xs:dateTime's 14 hours
])
def test_a_fault_time_whose_offset_no_xs_datetime_carries_is_occurred_at_in_utc(
        client: WorkerTestClient, given: str, instant: datetime) -> None:
    work_order_id = _create(client, "01.02.03", "13800002001")
    doc = _dispatch(client, work_order_id, {**VOICE, "fault_time": given})
    occurred = doc.findtext(f"{{{NSP}}}OccurredAt") or ""
    assert occurred.endswith("Z")
    assert datetime.fromisoformat(occurred) == instant
    fields = {f.get("name"): f.text for f in doc.iterfind(f"{{{NSP}}}Field")}
    assert fields["fault_time"] == given  # the agent's words, word for word


def test_a_fault_time_no_datetime_holds_in_utc_leaves_occurred_at_to_the_complaint(client: WorkerTestClient) -> None:
    work_order_id = _create(client, "01.02.03", "13800002001")
    doc = _dispatch(client, work_order_id, {**VOICE, "fault_time": "0001-01-01 00:00"})  # 0000-12-31 in UTC
    assert datetime.fromisoformat(doc.findtext(f"{{{NSP}}}OccurredAt") or "") == datetime.fromisoformat(
        "2026-11-23T08:40:00+08:00")  # the complaint's OccurredAt
    assert {f.get("name"): f.text for f in doc.iterfind(f"{{{NSP}}}Field")}["fault_time"] == "0001-01-01 00:00"


def test_the_forty_fields_the_agent_gave_all_reach_nsp(client: WorkerTestClient) -> None:
    work_order_id = _create(client, "01.02.03", "13800002001")
    fields = {**VOICE, "fault_time": "2026-11-22T19:05:00+08:00"}
    fields.update({f"note_{i:02d}": f"agent note {i}" for i in range(40 - len(fields))})
    doc = _dispatch(client, work_order_id, fields)
    sent = {f.get("name"): f.text for f in doc.iterfind(f"{{{NSP}}}Field")}
    assert sent == fields  # the hub's msisdn made way: nsp:Msisdn carries it
    assert doc.findtext(f"{{{NSP}}}Msisdn") == "13800002001"


def test_below_forty_fields_the_hubs_msisdn_goes_along(client: WorkerTestClient) -> None:
    work_order_id = _create(client, "01.02.03", "13800002001")
    doc = _dispatch(client, work_order_id, {**VOICE, "fault_time": "2026-11-22T19:05:00+08:00"})
    assert next(f.get("name") for f in doc.iterfind(f"{{{NSP}}}Field")) == "msisdn"


def test_a_departments_todo_carries_the_fields_ahead_of_a_long_description(client: WorkerTestClient) -> None:
    description = ("The customer says the charges on the bill are wrong and explains at length. " * 14)[:1100]
    work_order_id = _create(client, "04.01.01", "13800004000", Description=description)
    fields = {"sp_code": "901234", "service_code": "ABC", "access_number": "10661234",
              "fault_time": "2026-11-23T08:40:00+08:00", "amount": "10.00"}
    todo = _dispatch(client, work_order_id, fields)
    summary = todo.findtext(f"{{{OA}}}Summary") or ""
    assert len(summary) <= 1000
    for name, value in fields.items():
        assert f"{name}: {value}" in summary
    assert "Instructions: Cannot originate within the network" in summary
    assert f"Description: {description[:200]}" in summary and summary.endswith("…")  # cut to the room left


def test_nsp_gets_a_long_description_whole_and_the_dispatchs_instructions(client: WorkerTestClient) -> None:
    """Before, ``description + instructions`` was cut to 2000 characters: a 2500-character description (c:LongText
    takes 4000, as nsp:Description) arrived cut and the instructions were lost."""
    description = ("客户反映自今日上午起所有呼出电话均提示您拨打的号码无法接通。" * 100)[:2500]
    work_order_id = _create(client, "01.02.03", "13800002001", Description=description)
    doc = _dispatch(client, work_order_id, {**VOICE, "fault_time": "2026-11-22T19:05:00+08:00"})
    sent = doc.findtext(f"{{{NSP}}}Description") or ""
    assert sent.startswith(f"{description}\n\nInstructions: Cannot originate within the network since 08:40.")
    assert sent.endswith("Please check the serving cell near Shenzhen Civic Center.")


def test_the_instructions_keep_their_room_beside_a_description_of_4000_characters() -> None:
    description, instructions = "描" * 4000, "请网络部核查基站告警并回复处理结果。"
    sent = dispatch_description(description, instructions)
    assert len(sent) == DESCRIPTION_LENGTH
    assert sent.endswith(f"…\n\nInstructions: {instructions}") and sent.startswith("描" * 3900)
    both_long = dispatch_description(description, "指" * 4000)
    assert len(both_long) == DESCRIPTION_LENGTH and both_long.count("描") == both_long.count("指")  # half each
    assert dispatch_description("短", "") == "短"  # no instructions: the description alone, as before
