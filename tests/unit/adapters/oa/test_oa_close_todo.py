"""The hub closes an escalation to-do in OA (``oa.CompleteTodo`` from the hub, routed to the OA adapter by its
source): posted to OA as it came; a to-do OA no longer has open (``already-closed``: the manager completed it
meanwhile; ``unknown-item``) is nothing to close, any other refusal is dead-lettered."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from emulators.toolkit.xmlcommand import error_bytes
from hub.envelope import Envelope
from tests.unit.adapters.oa.oa_kit import OA, Oa
from tests.unit.adapters.soap_kit import example

pytestmark = pytest.mark.unit

ITEM = "WO20261123A7K2M9Q1-esc1-0"


def closing(message_id: str = "hub-close-0000001") -> Envelope:
    document = etree.fromstring(example("oa/CompleteTodo.valid.xml"))
    document.find(f"{{{OA}}}ItemId").text = ITEM
    document.find(f"{{{OA}}}Header/{{urn:onepoint:common:1}}SourceSystem").text = "HUB"
    document.find(f"{{{OA}}}Header/{{urn:onepoint:common:1}}MessageId").text = message_id
    return Envelope(message_id, "oa.CompleteTodo", "HUB", etree.tostring(document))


def test_the_hubs_completion_is_posted_to_oa(oa: Oa) -> None:
    oa.route.respond(200, content=example("oa/responses/CompleteTodoResponse.xml").replace(
        b"oa-20261123-141502-0017", b"hub-close-0000001"))
    result = oa.client.send(closing())
    assert result.processed and result.outcome == f"to-do {ITEM} closed"
    posted = etree.fromstring(oa.route.calls.last.request.content)
    assert posted.tag == f"{{{OA}}}CompleteTodo" and posted.findtext(f"{{{OA}}}ItemId") == ITEM


@pytest.mark.parametrize(("status", "code"), [(409, "already-closed"), (404, "unknown-item")])
def test_a_todo_oa_has_not_open_is_nothing_to_close(oa: Oa, status: int, code: str) -> None:
    oa.route.respond(status, content=error_bytes(code, f"{ITEM}: {code}", []))
    result = oa.client.send(closing())
    assert result.processed and not result.dead
    assert result.outcome == f"to-do {ITEM}: not open in OA ({code}), nothing to close"


def test_another_refusal_is_dead_lettered(oa: Oa) -> None:
    oa.route.side_effect = [httpx.Response(409, content=error_bytes("wrong-inbox", f"{ITEM} is a toread", []))]
    result = oa.client.send(closing())
    assert result.dead and "wrong-inbox" in (result.reason or "")
