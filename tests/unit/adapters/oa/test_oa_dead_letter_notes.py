"""A work order's to-do OA refuses for good is dead-lettered (for ``onepoint dlq replay`` once OA is fixed) and its
work order told: the worker sends ``workorder.DeadLetterNote`` (``hub.workers.dead_letter_notes``) to the
workflow; a replay carried out tells it again. Only the hub's own commands naming a work order are noted."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.validation.error_document import error_bytes
from hub.workers import headers as h
from tests.unit.adapters.oa.oa_kit import Oa
from tests.unit.adapters.soap_kit import command, example

pytestmark = pytest.mark.unit
WO = "urn:onepoint:workorder:1"

def push(message_id: str = "hub-todo-0000000001", source: str = "HUB",
         replaced: dict[bytes, bytes] | None = None) -> Envelope:
    return replace(command("oa/PushTodo.valid.xml", message_id=message_id, replace=replaced), source_system=source)


def notes(oa: Oa) -> list[etree._Element]:
    return [etree.fromstring(e.payload) for e, targets in oa.client.sent
            if e.command_type == "workorder.DeadLetterNote" and targets == ("workflow",)]


def fields(note: etree._Element) -> dict[str, str]:
    return {etree.QName(child).localname: child.text or "" for child in note[1:]}


def test_a_refused_push_is_dead_lettered_and_its_work_order_told(oa: Oa) -> None:
    oa.route.return_value = httpx.Response(400)
    result = oa.client.send(push())
    assert result.dead
    (note,) = notes(oa)
    assert fields(note) == {"WorkOrderId": "WO20261123A7K2M9Q1", "Outcome": "DEAD_LETTERED",
                            "Command": "oa.PushTodo", "Consumer": "oa", "LetterId": "hub-todo-0000000001",
                            "Kind": "permanent"}
    again = oa.client.send(push())  # the same delivery dead-lettered again (a lost confirm): the same note id
    assert again.dead
    first, second = (e for e, _ in oa.client.sent if e.command_type == "workorder.DeadLetterNote")
    assert first.message_id == second.message_id


def test_oas_own_refusal_is_noted_with_its_code_alone(oa: Oa) -> None:
    """OA refused the push in its own words (a 4xx with its c:Error): the note carries the c:Error's Code, never its
    message, so the work order's history says OA refused it (a bare 400, above, carries none)."""
    oa.route.return_value = httpx.Response(400, content=error_bytes("unknown-user", "no user mgr-9 on 10.0.0.7"))
    assert oa.client.send(push()).dead
    (note,) = notes(oa)
    assert fields(note)["RefusalCode"] == "unknown-user"
    assert b"10.0.0.7" not in etree.tostring(note)


def test_its_replay_carried_out_tells_the_work_order_again(oa: Oa) -> None:
    oa.route.return_value = httpx.Response(400)
    letter = oa.client.send(push()).dead_letter
    assert letter is not None
    oa.route.return_value = httpx.Response(200, content=example("oa/responses/PushTodoResponse.xml"))
    replayed = replace(oa.client.message(push()), headers={**letter.headers, h.REPLAYED: 1})
    assert oa.client.send(replayed).processed
    dead, delivered = notes(oa)
    assert fields(delivered)["Outcome"] == "DELIVERED_ON_REPLAY" and "Kind" not in fields(delivered)
    assert fields(delivered)["LetterId"] == fields(dead)["LetterId"] == "hub-todo-0000000001"


def test_a_push_carried_out_the_first_time_tells_nothing(oa: Oa) -> None:
    oa.route.return_value = httpx.Response(200, content=example("oa/responses/PushTodoResponse.xml"))
    assert oa.client.send(push()).processed
    assert notes(oa) == []


@pytest.mark.parametrize("envelope", [
    push(source="CS"),  # not the hub's own command: its sender is told otherwise
    push(replaced={b"<oa:WorkOrderId>WO20261123A7K2M9Q1</oa:WorkOrderId>": b""}),  # naming no work order
], ids=["not-from-hub", "no-work-order"])
def test_only_the_hubs_commands_naming_a_work_order_are_noted(oa: Oa, envelope: Envelope) -> None:
    oa.route.return_value = httpx.Response(400)
    assert oa.client.send(envelope).dead
    assert notes(oa) == []
