"""hub.gateways.failures: what a failed call means for its message (retry or dead-letter), reasons masked."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree
from zeep.exceptions import Fault, TransportError, ValidationError, XMLSyntaxError

from hub.gateways import InvalidAnswer, SystemRefused, SystemUnavailable, failure_of, fault_code
from hub.workers import Classifier, PermanentError, TransientError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("exc", "kind", "code"), [
    (Fault("busy", code="soap11env:Server"), SystemUnavailable, None),
    (Fault("down", code="soap:Receiver"), SystemUnavailable, None),
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
