"""The hub withdraws a to-read of a work order closed or cancelled (``oa.WithdrawToRead`` from the hub, routed to the
OA adapter by its source): posted to OA as it came; a to-read OA no longer has open (``already-closed``: read or
withdrawn already; ``unknown-item``) is nothing to withdraw, any other refusal is dead-lettered."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from emulators.toolkit.xmlcommand import error_bytes
from hub.envelope import Envelope
from tests.unit.adapters.oa.oa_kit import OA, Oa
from tests.unit.adapters.soap_kit import example

pytestmark = pytest.mark.unit

ITEM = "WO20261123A7K2M9Q1-rem1-0"


def withdrawal(message_id: str = "hub-withdraw-0000001") -> Envelope:
    document = etree.fromstring(example("oa/WithdrawToRead.valid.xml"))
    document.find(f"{{{OA}}}Header/{{urn:onepoint:common:1}}MessageId").text = message_id
    return Envelope(message_id, "oa.WithdrawToRead", "HUB", etree.tostring(document))


def test_the_hubs_withdrawal_is_posted_to_oa(oa: Oa) -> None:
    oa.route.respond(200, content=example("oa/responses/WithdrawToReadResponse.xml").replace(
        b"oa-20261123-190501-0042", b"hub-withdraw-0000001"))
    result = oa.client.send(withdrawal())
    assert result.processed and result.outcome == f"to-read {ITEM} withdrawn"
    posted = etree.fromstring(oa.route.calls.last.request.content)
    assert posted.tag == f"{{{OA}}}WithdrawToRead" and posted.findtext(f"{{{OA}}}ItemId") == ITEM
    assert posted.findtext(f"{{{OA}}}Reason") == "work order WO20261123A7K2M9Q1 closed"


@pytest.mark.parametrize(("status", "code"), [(409, "already-closed"), (404, "unknown-item")])
def test_a_to_read_oa_has_not_open_is_nothing_to_withdraw(oa: Oa, status: int, code: str) -> None:
    oa.route.respond(status, content=error_bytes(code, f"{ITEM}: {code}", []))
    result = oa.client.send(withdrawal())
    assert result.processed and not result.dead
    assert result.outcome == f"to-read {ITEM}: not open in OA ({code}), nothing to withdraw"


def test_another_refusal_is_dead_lettered(oa: Oa) -> None:
    oa.route.side_effect = [httpx.Response(409, content=error_bytes("wrong-inbox", f"{ITEM} is a todo", []))]
    result = oa.client.send(withdrawal())
    assert result.dead and "wrong-inbox" in (result.reason or "")
