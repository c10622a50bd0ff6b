"""hub.gateways.failures: what a failed call means for its message (retry or dead-letter), reasons masked."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree
from zeep.exceptions import Fault, TransportError, ValidationError, XMLSyntaxError

from hub.gateways import InvalidAnswer, SystemRefused, SystemUnavailable, failure_of, fault_code
from hub.gateways.failures import SystemFailed
from hub.workers import Classifier, PermanentError, TransientError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("exc", "kind", "code"), [
    (Fault("busy", code="soap11env:Server"), SystemFailed, None),
    (Fault("down", code="soap:Receiver"), SystemFailed, None),
    (Fault("subscriber not found: 13800138000", code="soap11env:Client.SubscriberNotFound"), SystemRefused,
     "Client.SubscriberNotFound"),
    (Fault("bad password", code="wsse:FailedAuthentication"), SystemRefused, "wsse:FailedAuthentication"),
    (TransportError("Service Unavailable", status_code=503), SystemUnavailable, None),
    (TransportError("Not Found", status_code=404), SystemRefused, "404"),
    (httpx.ConnectTimeout("connect"), SystemUnavailable, None),
    (httpx.RemoteProtocolError("reset"), SystemUnavailable, None),
    (ConnectionResetError("reset by peer"), SystemUnavailable, None),
    (TimeoutError("no result"), SystemUnavailable, None),
    (XMLSyntaxError("not xml"), InvalidAnswer, None),
    (etree.XMLSyntaxError("bad", 1, 1, 1), InvalidAnswer, None),
    (ValidationError("Missing element Msisdn"), SystemRefused, "arguments"),
    (TypeError("got an unexpected keyword argument 'Priority'"), SystemRefused, "arguments"),
])
def test_each_failure_is_transient_or_permanent(exc: BaseException, kind: type[Exception], code: str | None) -> None:
    found = failure_of("boss", "QueryCustomerTier", exc)
    assert type(found) is kind
    assert Classifier()(found).transient is issubclass(kind, TransientError)
    assert str(found).startswith("boss QueryCustomerTier")
    if code is not None:
        assert isinstance(found, SystemRefused) and found.code == code
    assert "13800138000" not in str(found)


def test_a_classified_failure_is_kept_as_it_is() -> None:
    already = PermanentError("nope")
    assert failure_of("crm", "NotifyAccountManager", already) is already


def test_fault_codes_lose_their_envelope_prefix_only() -> None:
    assert fault_code(Fault("x", code="soap11env:Client.SubscriberNotFound")) == "Client.SubscriberNotFound"
    assert fault_code(Fault("x", code="wsse:InvalidSecurity")) == "wsse:InvalidSecurity"
    assert fault_code(Fault("x", code=None)) == ""


C_ERROR = (b'<c:Error xmlns:c="urn:onepoint:common:1"><c:Code> invalid-period </c:Code>'
           b"<c:Message>the period\n  ends before it starts (13800138000)</c:Message></c:Error>")


def status_error(status: int, content: bytes) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://dsmp.test/xml")
    response = httpx.Response(status, content=content, request=request)
    return httpx.HTTPStatusError("refused", request=request, response=response)


def test_an_http_refusal_carries_the_c_error_it_came_with_masked() -> None:
    refused = failure_of("dsmp", "QuerySmsLog", status_error(400, C_ERROR))
    assert isinstance(refused, SystemRefused) and refused.code == "400" and refused.error_code == "invalid-period"
    assert refused.detail == "invalid-period: the period ends before it starts (138****8000)"
    unavailable = failure_of("dsmp", "QuerySmsLog", status_error(502, C_ERROR))
    assert isinstance(unavailable, SystemUnavailable)
    assert str(unavailable).endswith("HTTP 502 Bad Gateway: invalid-period: the period ends before it starts "
                                     "(138****8000)")


def test_only_a_c_error_of_bounded_size_is_read_and_clipped() -> None:
    from hub.gateways.failures import error_answer

    assert error_answer(C_ERROR) == ("invalid-period", "the period ends before it starts (13800138000)")
    assert error_answer(b'<Error><Code>x</Code><Message>y</Message></Error>') is None  # not c:Error
    assert error_answer(b"") is None and error_answer(b"<c:Error") is None
    long = C_ERROR.replace(b"the period", b"w" * 2000)
    assert len(error_answer(long)[1]) == 500  # type: ignore[index]
    assert error_answer(C_ERROR + b" " * 70_000) is None


def test_a_streamed_refusal_whose_body_was_not_read_keeps_its_status_line() -> None:
    request = httpx.Request("POST", "http://dsmp.test/xml")
    response = httpx.Response(400, stream=httpx.ByteStream(C_ERROR), request=request)
    refused = failure_of("dsmp", "QuerySmsLog", httpx.HTTPStatusError("refused", request=request, response=response))
    assert isinstance(refused, SystemRefused) and refused.detail == "HTTP 400 Bad Request"
