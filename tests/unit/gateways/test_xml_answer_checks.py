"""XmlGateway: an answer is this call's only if its Ack (or its c:Error's MessageId) acknowledges the MessageId the
gateway forwarded: a stray one (a duplicated answer left on the keep-alive connection) is transient and the thread's
connection closed, so the next call reads a fresh one; the genuine answer of every NSP, DSMP and OA operation
passes. An answer (or c:Error) whose bytes name no encoding is read in its Content-Type's charset."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx
from lxml import etree

from hub.gateways import CircuitBreakers, InvalidAnswer, SystemRefused, SystemUnavailable, XmlGateway
from hub.gateways.echo import StrayAnswer
from hub.gateways.failures import error_answer
from tests.support.keep_alive import KeepAliveBackend
from tests.unit.adapters.soap_kit import BASE_URL, C, echoed, example, registry, settings

pytestmark = pytest.mark.unit
DSMP = "urn:onepoint:dsmp:1"
HUB_OPERATIONS = [("nsp", "NetworkComplaintDispatch"), ("dsmp", "QuerySmsLog"), ("dsmp", "QuerySpComplaintStats"),
                  ("oa", "PushTodo"), ("oa", "PushToRead"), ("oa", "CompleteTodo")]


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def gateway(system: str, url: str = BASE_URL) -> XmlGateway:
    return XmlGateway(settings(system, url=url, breaker_fail_max=50), registry().get(system),
                      breakers=CircuitBreakers())


def command(system: str, operation: str, message_id: str) -> etree._Element:
    document = etree.fromstring(example(f"{system}/{operation}.valid.xml"))
    document.find(f"*/{{{C}}}MessageId").text = message_id  # type: ignore[union-attr]
    return document


def answer_to(system: str, operation: str, message_id: str) -> bytes:
    document = etree.fromstring(example(f"{system}/responses/{operation}Response.xml"))
    document.find(f"*/{{{C}}}MessageId").text = message_id  # type: ignore[union-attr]
    answer: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return answer


@pytest.mark.parametrize(("system", "operation"), HUB_OPERATIONS, ids=[o[1] for o in HUB_OPERATIONS])
def test_the_schema_examples_answer_their_commands(router: respx.MockRouter, system: str, operation: str) -> None:
    router.post(BASE_URL).respond(200, content=example(f"{system}/responses/{operation}Response.xml"))
    with gateway(system) as xml:
        answer = xml.post(operation, example(f"{system}/{operation}.valid.xml"))
    assert etree.QName(answer).localname == f"{operation}Response"


@pytest.mark.parametrize(("system", "operation"), HUB_OPERATIONS, ids=[o[1] for o in HUB_OPERATIONS])
def test_an_answer_acknowledging_another_message_is_transient_and_its_connection_closed(
        router: respx.MockRouter, system: str, operation: str) -> None:
    router.post(BASE_URL).respond(200, content=answer_to(system, operation, "cs-other-00000001"))
    with gateway(system) as xml:
        with pytest.raises(StrayAnswer, match="acknowledges MessageId cs-other-00000001, not cs-asked-00000001"):
            xml.post(operation, command(system, operation, "cs-asked-00000001"))
        assert len(xml._clients) == 0  # the thread's exchange closed: its next call opens a new one
        router.post(BASE_URL).respond(200, content=answer_to(system, operation, "cs-asked-00000002"))
        assert xml.post(operation, command(system, operation, "cs-asked-00000002")) is not None


def test_a_c_error_carrying_another_messages_id_is_not_this_calls_refusal(router: respx.MockRouter) -> None:
    def refusal(message_id: str) -> bytes:
        return (f'<c:Error xmlns:c="{C}"><c:Code>already-closed</c:Code><c:Message>closed</c:Message>'
                f"<c:MessageId>{message_id}</c:MessageId></c:Error>").encode()

    router.post(BASE_URL).respond(409, content=refusal("cs-other-00000001"))
    with gateway("oa") as oa:
        with pytest.raises(SystemUnavailable, match="stray") as stray:
            oa.post("CompleteTodo", command("oa", "CompleteTodo", "cs-asked-00000001"))
        assert not isinstance(stray.value, SystemRefused)
        router.post(BASE_URL).respond(409, content=refusal("cs-asked-00000001"))
        with pytest.raises(SystemRefused) as refused:
            oa.post("CompleteTodo", command("oa", "CompleteTodo", "cs-asked-00000001"))
    assert refused.value.error_code == "already-closed"


def twice_answering_dsmp() -> KeepAliveBackend:
    """DSMP behind keep-alive connections, echoing each query's MessageId; its first answer is written twice."""
    def answer(body: bytes, number: int) -> list[bytes]:
        sent = etree.fromstring(body)
        return [answer_to("dsmp", "QuerySmsLog", sent.findtext(f"*/{{{C}}}MessageId") or "")] * (2 if number == 1
                                                                                              else 1)

    return KeepAliveBackend(answer, path="/xml", content_type="application/xml")


def test_a_duplicated_answer_left_on_the_connection_is_refused_and_the_next_call_reads_a_fresh_one() -> None:
    dsmp = twice_answering_dsmp()
    try:
        with gateway("dsmp", dsmp.url) as xml:
            first = xml.post("QuerySmsLog", command("dsmp", "QuerySmsLog", "cs-sms-00000001"))
            with pytest.raises(StrayAnswer, match="cs-sms-00000001, not cs-sms-00000002"):
                xml.post("QuerySmsLog", command("dsmp", "QuerySmsLog", "cs-sms-00000002"))
            retried = xml.post("QuerySmsLog", command("dsmp", "QuerySmsLog", "cs-sms-00000002"))
    finally:
        dsmp.close()
    assert first.findtext(f"{{{DSMP}}}Ack/{{{C}}}MessageId") == "cs-sms-00000001"
    assert retried.findtext(f"{{{DSMP}}}Ack/{{{C}}}MessageId") == "cs-sms-00000002"
    assert dsmp.connections == 2


def without_declaration(document: bytes) -> bytes:
    return document.decode("utf-8").split("?>", 1)[1].lstrip().encode("gbk")


def test_an_answer_is_read_in_the_charset_its_content_type_names(router: respx.MockRouter) -> None:
    gbk = without_declaration(example("dsmp/responses/QuerySpComplaintStatsResponse.xml"))
    router.post(BASE_URL).respond(200, content=gbk, headers={"content-type": "application/xml; charset=GBK"})
    with gateway("dsmp") as dsmp:
        answer = dsmp.post("QuerySpComplaintStats", example("dsmp/QuerySpComplaintStats.valid.xml"))
    assert answer.findtext(f"{{{DSMP}}}Row/{{{DSMP}}}SpName") == "北京某某信息技术有限公司"


def test_a_charset_the_bytes_contradict_gives_way_to_their_declaration(router: respx.MockRouter) -> None:
    """A backend's server labelling a UTF-8 document charset=GBK (a misconfigured container) is read as the document
    declares itself: the hub cannot have the backend fixed."""
    def respond(request: httpx.Request) -> httpx.Response:
        answer = echoed(example("dsmp/responses/QuerySpComplaintStatsResponse.xml"), request.content)
        return httpx.Response(200, content=b'<?xml version="1.0" encoding="UTF-8"?>\n' + answer,
                              headers={"content-type": "application/xml; charset=GBK"})

    router.post(BASE_URL).mock(side_effect=respond)
    with gateway("dsmp") as dsmp:
        answer = dsmp.post("QuerySpComplaintStats", example("dsmp/QuerySpComplaintStats.valid.xml"))
    assert etree.QName(answer).localname == "QuerySpComplaintStatsResponse"


def test_a_c_error_labelled_by_its_charset_keeps_its_code(router: respx.MockRouter) -> None:
    error = f'<c:Error xmlns:c="{C}"><c:Code>already-closed</c:Code><c:Message>待办已关闭</c:Message></c:Error>'
    router.post(BASE_URL).respond(409, content=error.encode("gbk"),
                                  headers={"content-type": "application/xml; charset=GBK"})
    with gateway("oa") as oa, pytest.raises(SystemRefused) as refused:
        oa.post("CompleteTodo", example("oa/CompleteTodo.valid.xml"))
    assert refused.value.error_code == "already-closed" and "待办已关闭" in refused.value.detail
    assert error_answer(error.encode("gbk"), "text/xml; charset=gbk") == ("already-closed", "待办已关闭")
    assert error_answer(error.encode("gbk")) is None  # not UTF-8, and nothing says otherwise


def test_a_web_page_answered_with_200_is_a_proxy_s_page_the_system_is_unavailable(router: respx.MockRouter) -> None:
    page = b"<html><head><title>Scheduled maintenance</title></head><body>DSMP is down until 06:00</body></html>"
    router.post(BASE_URL).respond(200, content=page, headers={"content-type": "text/html"})
    with gateway("dsmp") as dsmp, pytest.raises(SystemUnavailable, match=r"answered a web page.*Scheduled") as raised:
        dsmp.post("QuerySpComplaintStats", example("dsmp/QuerySpComplaintStats.valid.xml"))
    assert not isinstance(raised.value, InvalidAnswer)


def test_the_systems_own_answer_labelled_text_html_is_its_answer(router: respx.MockRouter) -> None:
    """PHP labels what it prints text/html unless told otherwise: a valid answer is the answer, however labelled
    (audit of today's code, repro_1)."""
    def respond(request: httpx.Request) -> httpx.Response:
        answer = echoed(example("dsmp/responses/QuerySpComplaintStatsResponse.xml"), request.content)
        return httpx.Response(200, content=answer, headers={"content-type": "text/html; charset=UTF-8"})

    router.post(BASE_URL).mock(side_effect=respond)
    with gateway("dsmp") as dsmp:
        answer = dsmp.post("QuerySpComplaintStats", example("dsmp/QuerySpComplaintStats.valid.xml"))
    assert etree.QName(answer).localname == "QuerySpComplaintStatsResponse"
