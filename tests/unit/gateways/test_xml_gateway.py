"""XmlGateway: one reused httpx client, credentials and timeouts from the settings, the answer checked (respx)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx
from lxml import etree

from hub.gateways import CircuitBreakers, CircuitOpenError, InvalidAnswer, SystemRefused, SystemUnavailable, XmlGateway
from hub.observability.metrics import Metrics
from tests.unit.adapters.soap_kit import BASE_URL, example, registry, settings

pytestmark = pytest.mark.unit
NSP = "urn:onepoint:nsp:1"
DISPATCH = example("nsp/NetworkComplaintDispatch.valid.xml")
ANSWER = example("nsp/responses/NetworkComplaintDispatchResponse.xml")


@pytest.fixture
def route() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.post(BASE_URL)


def gateway(breakers: CircuitBreakers | None = None, metrics: Metrics | None = None, **overrides: object) -> XmlGateway:
    return XmlGateway(settings("nsp", **overrides), registry().get("nsp"), breakers=breakers, metrics=metrics)


def test_the_command_is_posted_and_the_answer_returned(route: respx.Route) -> None:
    route.respond(200, content=ANSWER, headers={"content-type": "application/xml"})
    metrics = Metrics()
    with gateway(metrics=metrics, token="nsp-token", read_timeout=3.5, connect_timeout=0.5) as nsp:
        answer = nsp.post("NetworkComplaintDispatch", DISPATCH)
        nsp.post("NetworkComplaintDispatch", etree.fromstring(DISPATCH))
    assert answer.tag == f"{{{NSP}}}NetworkComplaintDispatchResponse"
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer nsp-token"
    assert request.extensions["timeout"] == {"connect": 0.5, "read": 3.5, "write": 3.5, "pool": 3.5}
    assert etree.fromstring(request.content).tag == f"{{{NSP}}}NetworkComplaintDispatch"
    assert metrics.value("onepoint_gateway_call_seconds_count", system="nsp", outcome="ok") == 2


def test_a_user_signs_in_with_basic_auth(route: respx.Route) -> None:
    route.respond(200, content=ANSWER)
    with gateway(username="hub", password="pw") as nsp:
        nsp.post("NetworkComplaintDispatch", DISPATCH)
    assert route.calls.last.request.headers["authorization"] == httpx.BasicAuth("hub", "pw")._auth_header


@pytest.mark.parametrize(("answer", "error", "text"), [
    (httpx.Response(503), SystemUnavailable, "HTTP 503"),
    (httpx.Response(429), SystemUnavailable, "HTTP 429"),
    (httpx.ConnectError("refused"), SystemUnavailable, "ConnectError"),
    (httpx.ReadTimeout("slow"), SystemUnavailable, "timed out"),
    (httpx.Response(400, text="bad"), SystemRefused, r"refused \(400\)"),
    (httpx.Response(200, content=b"not xml"), InvalidAnswer, "not a document"),
    (httpx.Response(200, content=DISPATCH), InvalidAnswer, "is not a response of nsp"),
    (httpx.Response(200, content=ANSWER.replace(b"<c:Status>COMPLETED", b"<c:Status>MAYBE")), InvalidAnswer,
     "fails its XSD"),
], ids=["503", "429", "refused", "read-timeout", "400", "not-xml", "a-command", "fails-xsd"])
def test_failures_come_out_classified(route: respx.Route, answer: object, error: type[Exception], text: str) -> None:
    route.side_effect = [answer]
    with gateway() as nsp, pytest.raises(error, match=text):
        nsp.post("NetworkComplaintDispatch", DISPATCH)


def test_an_open_circuit_answers_at_once_without_calling(route: respx.Route) -> None:
    route.respond(502)
    breakers = CircuitBreakers()
    with gateway(breakers, breaker_fail_max=2) as nsp:
        for _ in range(2):
            with pytest.raises(SystemUnavailable, match="HTTP 502"):
                nsp.post("NetworkComplaintDispatch", DISPATCH)
        with pytest.raises(CircuitOpenError) as held:
            nsp.post("NetworkComplaintDispatch", DISPATCH)
    assert route.call_count == 2 and breakers.open_systems() == ["nsp"] and held.value.retry_in > 0
