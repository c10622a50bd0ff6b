"""A SOAP client that is not zeep (the standard library's http.client, a hand-written SOAP 1.1 envelope, as suds,
node-soap and JAX-WS send one) against a hub served over HTTP: a Fault arrives as HTTP 500 (WS-I Basic Profile
1.1 R1126; suds and JAX-WS drop a Fault sent with any other status), its ``Retry-After`` and
``X-OnePoint-Refusal`` kept; a trailing slash is a Fault too, not a redirect built from the ``Host`` header."""

from __future__ import annotations

import dataclasses
import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from lxml import etree

from tests.conftest import RunningHub, start_hub
from tests.support.soap import SOAP_NS, security_header

pytestmark = pytest.mark.integration

REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:b="urn:onepoint:boss:1"
                  xmlns:c="urn:onepoint:common:1">
  <soapenv:Header>{security}</soapenv:Header>
  <soapenv:Body>
    <b:QueryCustomerTierRequest>
      <c:Header><c:MessageId>{message_id}</c:MessageId><c:SourceSystem>CS</c:SourceSystem>
        <c:SentAt>2026-12-07T10:00:00Z</c:SentAt></c:Header>
      <b:Msisdn>13800138000</b:Msisdn>
    </b:QueryCustomerTierRequest>
  </soapenv:Body>
</soapenv:Envelope>"""


@pytest.fixture
def strict_hub(dev_settings, registry) -> Iterator[RunningHub]:
    """A hub of its own: 2 failed sign-ins per caller and address, throttled refusals answered at once."""
    security = dataclasses.replace(dev_settings.security, sign_in_failures_per_caller=2,
                                   sign_in_failures_per_address=4, sign_in_window_seconds=600,
                                   sign_in_refusal_delay_seconds=0)
    yield from start_hub(dataclasses.replace(dev_settings, security=security), registry)


def post(hub: RunningHub, path: str, password: str, message_id: str,
         host: str | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    body = REQUEST.format(security=security_header("cs-frontend", password), message_id=message_id).encode()
    address = urlsplit(hub.base_url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
    try:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"QueryCustomerTier"'}
        if host is not None:
            headers["Host"] = host
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def faultcode(body: bytes) -> str | None:
    fault = etree.fromstring(body).find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    return None if fault is None else fault.findtext("faultcode")


def test_a_throttled_fault_arrives_as_500_with_its_retry_after(strict_hub):
    guesses = [post(strict_hub, "/soap/boss", "guess", f"raw-guess-{n:08d}") for n in range(2)]
    assert [(status, faultcode(body)) for status, _, body in guesses] == [(500, "wsse:FailedAuthentication")] * 2
    status, headers, body = post(strict_hub, "/soap/boss", "guess", "raw-guess-00000003")
    assert status == 500 and faultcode(body) == "soap:Client.Throttled"
    assert int(headers["Retry-After"]) >= 1
    assert headers["X-OnePoint-Refusal"] == "throttled"


def test_a_trailing_slash_is_a_fault_not_a_redirect(hub):
    status, headers, body = post(hub, "/soap/boss/", "cs-dev-password", "raw-slash-00000001",
                                 host="attacker.example:80")
    assert status == 500 and headers["Location"] is None
    assert faultcode(body) == "soap:Client.UnknownEndpoint" and b"attacker" not in body
