"""A SOAP Fault is HTTP 500 whatever it says (WS-I BP R1126, as the hub's own ingress sends every Fault): its
``Retry-After`` is what marks it "try again later". The hub's SOAP gateway, calling a system that answers so
(another OnePoint hub's throttled or unavailable refusal), waits as asked instead of dead-lettering a
``Client.Throttled`` or retrying at once."""

from __future__ import annotations

import httpx
import pytest

from hub.gateways.failures import SystemThrottled, retry_after
from hub.gateways.soap_answers import soap_answer
from hub.ingress.outcomes import Refusal
from hub.ingress.refusals import fault_response
from hub.ingress.soap.endpoint import fault_for
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.parser import ParserLimits

pytestmark = pytest.mark.unit

BOSS = next(s for s in CommandSetRegistry.installed() if s.name == "boss")


@pytest.mark.parametrize(("status", "code", "wait"), [(429, "throttled", 30), (503, "unavailable", 5),
                                                      (503, "busy", 2), (503, "system-unavailable", 300)])
def test_a_fault_with_retry_after_is_throttled_at_http_500(status: int, code: str, wait: int) -> None:
    refusal = Refusal(status, code, "refused", retry_after=wait)
    answer = fault_response(fault_for(refusal))
    answer.headers.update(refusal.headers)
    response = httpx.Response(answer.status_code, headers=dict(answer.headers), content=bytes(answer.body))
    assert response.status_code == 500
    with pytest.raises(SystemThrottled) as raised:
        soap_answer("hub2", "QueryCustomerTier", BOSS, response.status_code, "", response.content, ParserLimits(),
                    retry_after(response, any_status=True))
    assert raised.value.retry_in == wait


def test_an_xml_500_keeps_ignoring_retry_after() -> None:
    assert retry_after(httpx.Response(500, headers={"retry-after": "30"})) is None
