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
    (httpx.Response(200, content=example("nsp/responses/NetworkComplaintReplyResponse.xml").replace(
        b"nsp-20261123-110812-0031", b"hub-1a2b3c4d5e6f7081")), InvalidAnswer,  # acknowledging this call's id
     "NetworkComplaintReplyResponse is not NetworkComplaintDispatchResponse"),
    (httpx.Response(200, content=ANSWER.replace(b"<c:Status>COMPLETED", b"<c:Status>MAYBE")), InvalidAnswer,
     "fails its XSD"),
], ids=["503", "429", "refused", "read-timeout", "400", "not-xml", "a-command", "another-operations-answer",
       "fails-xsd"])
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


def c_error(code: str, message: str) -> bytes:
    return (f"<?xml version='1.0' encoding='UTF-8'?><c:Error xmlns:c=\"urn:onepoint:common:1\"><c:Code>{code}</c:Code>"
            f"<c:Message>{message}</c:Message></c:Error>").encode()


def test_a_refusal_keeps_the_code_and_message_of_the_c_error_the_system_answered(route: respx.Route) -> None:
    route.respond(400, content=c_error("unknown-area", "area 0755 district Futian is not served"))
    with gateway() as nsp, pytest.raises(SystemRefused) as refused:
        nsp.post("NetworkComplaintDispatch", DISPATCH)
    assert refused.value.code == "400"  # as before: the adapters tell the system's refusals by status
    assert refused.value.error_code == "unknown-area"
    assert refused.value.detail == "unknown-area: area 0755 district Futian is not served"
    assert str(refused.value) == ("nsp NetworkComplaintDispatch refused (400): unknown-area: area 0755 district "
                                  "Futian is not served")


def test_an_unavailable_system_names_the_c_error_it_answered_with(route: respx.Route) -> None:
    route.respond(503, content=c_error("overloaded", "try again in a minute"))
    with gateway() as nsp, pytest.raises(SystemUnavailable) as failed:
        nsp.post("NetworkComplaintDispatch", DISPATCH)
    assert str(failed.value) == ("nsp NetworkComplaintDispatch: HTTP 503 Service Unavailable: overloaded: try again "
                                 "in a minute")


@pytest.mark.parametrize("body", [
    b"<html><body>400 Bad Request</body></html>",
    b"not xml at all",
    b'<!DOCTYPE c:Error [<!ENTITY x "leak">]>' + c_error("&x;", "entity"),
    c_error("big", "x" * 70_000),
], ids=["html", "not-xml", "doctype", "oversized"])
def test_a_refusal_whose_body_is_no_readable_c_error_keeps_its_status_line(route: respx.Route, body: bytes) -> None:
    route.respond(400, content=body)
    with gateway() as nsp, pytest.raises(SystemRefused) as refused:
        nsp.post("NetworkComplaintDispatch", DISPATCH)
    assert (refused.value.code, refused.value.detail, refused.value.error_code) == ("400", "HTTP 400 Bad Request", None)
