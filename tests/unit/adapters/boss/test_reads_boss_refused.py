"""BOSS refusing one customer's read (a SOAP Client fault: ``Client.AccountFrozen``) is BOSS's answer about that
customer: the requester is answered ``c:Error`` ``boss-refused`` naming BOSS's fault code and text, as an unknown
subscriber is answered ``subscriber-not-found``, and nothing is dead-lettered (a read nobody could usefully
replay; the workflow's tier rechecks used to fill the DLQ with them). SyncHLR, a write, is still dead-lettered."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.adapters.boss.tier_kit import answer_of, boss_behind_respx
from tests.unit.adapters.soap_kit import C, command, soap_fault

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("example", ["boss/QueryCustomerTier.valid.xml", "boss/QuerySubscriber.valid.xml"],
                         ids=["tier", "subscriber"])
def test_a_client_fault_on_a_read_is_answered_as_boss_refusing_it(example: str) -> None:
    with boss_behind_respx() as boss:
        boss.route.respond(500, content=soap_fault("Client.AccountFrozen", "account frozen by billing"))
        result = boss.client.request(command(example))
        assert result.processed and not result.dead and result.attempts == 1
        error = answer_of(result.reply)
        assert error.tag == f"{{{C}}}Error" and error.findtext(f"{{{C}}}Code") == "boss-refused"
        message = error.findtext(f"{{{C}}}Message") or ""
        assert "Client.AccountFrozen" in message and "account frozen by billing" in message


@pytest.mark.parametrize("failure", [
    httpx.Response(404, text="no such endpoint"),
    httpx.Response(500, content=soap_fault("wsse:FailedAuthentication", "bad")),
    httpx.Response(500, content=soap_fault("Client.SchemaValidationError", "line 3: Msisdn: not a number")),
    httpx.Response(500, content=soap_fault("Client.UnknownOperation", "no operation QueryCustomerTier")),
], ids=["http-404", "wsse", "schema", "operation"])
def test_a_refusal_of_the_hub_itself_on_a_read_is_still_dead_lettered(failure: httpx.Response) -> None:
    """A wrong endpoint or credentials, or a request BOSS finds wrong (after a contract change, a mapping bug),
    refuse every call, not one customer's: the hub's trouble, for operators (the DLQ), not a tier left unknown."""
    with boss_behind_respx() as boss:
        boss.route.side_effect = [failure]
        result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
        assert result.dead


def test_a_client_fault_on_an_hlr_sync_is_still_dead_lettered() -> None:
    with boss_behind_respx() as boss:
        boss.route.respond(500, content=soap_fault("Client.AccountFrozen", "account frozen by billing"))
        result = boss.client.request(command("boss/SyncHLR.valid.xml"))
        assert result.dead and result.reason is not None and "Client.AccountFrozen" in result.reason
