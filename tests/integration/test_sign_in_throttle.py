"""Failed sign-ins on the XML ingress over HTTP: 429 with Retry-After before any password is hashed."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree

import hub.security.callers
from tests.conftest import RunningHub, start_hub
from tests.support.soap import SOAP_NS, envelope, security_header

pytestmark = pytest.mark.integration

C = "urn:onepoint:common:1"
XML = {"content-type": "application/xml"}


@pytest.fixture
def strict_hub(dev_settings, registry) -> Iterator[RunningHub]:
    """A hub of its own (fresh throttle state): a burst of 2 failures per caller and address, 4 per address,
    throttled refusals answered at once."""
    security = dataclasses.replace(dev_settings.security, sign_in_failures_per_caller=2,
                                   sign_in_failures_per_address=4, sign_in_window_seconds=600,
                                   sign_in_refusal_delay_seconds=0)
    yield from start_hub(dataclasses.replace(dev_settings, security=security), registry)


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """Usernames whose password the hub hashed (scrypt), in order."""
    seen: list[str] = []
    original = hub.security.callers.verify_password

    def verify(password: str, encoded: str) -> bool:
        seen.append(password)
        return original(password, encoded)

    monkeypatch.setattr(hub.security.callers, "verify_password", verify)
    return seen


def with_id(document: bytes, message_id: str) -> bytes:
    return document.replace(b"cs-20261123-000001", message_id.encode())


@pytest.fixture(scope="module")
def create(examples_dir) -> bytes:
    return (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()


def test_wrong_passwords_are_throttled_before_hashing(strict_hub, hashed, create):
    url = strict_hub.xml("workorder")
    with httpx.Client() as client:
        verified = client.post(url, content=with_id(create, "throttle-ok-0001"), headers=XML,
                               auth=("cs-frontend", "cs-dev-password"))
        assert verified.status_code == 202
        statuses = [client.post(url, content=create, headers=XML, auth=("cs-frontend", f"guess-{n}")).status_code
                    for n in range(4)]
        assert statuses == [401, 401, 429, 429]
        assert hashed == ["cs-dev-password", "guess-0", "guess-1"]  # the throttled guesses cost no hashing
        refused = client.post(url, content=create, headers=XML, auth=("cs-frontend", "guess-9"))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["x-onepoint-refusal"] == "throttled"
        assert etree.fromstring(refused.content).findtext(f"{{{C}}}Code") == "throttled"

        # While this caller's password is being guessed from here, even the right one (verified before, cached)
        # learns nothing: a guess that hits it must not be told so. A bearer token still gets through.
        again = client.post(url, content=with_id(create, "throttle-ok-0002"), headers=XML,
                            auth=("cs-frontend", "cs-dev-password"))
        assert again.status_code == 429
        token = client.post(url, content=with_id(create, "throttle-ok-0003"),
                            headers={**XML, "authorization": "Bearer cs-dev-token"})
        assert token.status_code == 202
    assert hashed == ["cs-dev-password", "guess-0", "guess-1"]


def test_spraying_usernames_from_one_address_is_throttled(strict_hub, hashed, create):
    url = strict_hub.xml("workorder")
    statuses = [httpx.post(url, content=create, headers=XML, auth=(f"nobody-{n}", "guess")).status_code
                for n in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]
    bad_token = httpx.post(url, content=create, headers={**XML, "authorization": "Bearer nope"})
    assert bad_token.status_code == 429
    assert strict_hub.app.metrics.value("onepoint_messages_refused_total", reason="throttled") == 3


def test_callers_signing_in_at_once_with_new_credentials_cost_one_hash(strict_hub, hashed, create):
    async def sign_in_at_once() -> list[int]:
        async with httpx.AsyncClient(auth=("cs-frontend", "cs-dev-password")) as client:
            answers = await asyncio.gather(*(
                client.post(strict_hub.xml("workorder"), content=with_id(create, f"at-once-{n:08d}"), headers=XML)
                for n in range(4)
            ))
        return [answer.status_code for answer in answers]

    assert asyncio.run(sign_in_at_once()) == [202, 202, 202, 202]
    assert hashed == ["cs-dev-password"]


def test_soap_wrong_passwords_are_throttled_as_a_fault_with_retry_after(strict_hub, create):
    def post(password: str, message_id: str) -> httpx.Response:
        body = envelope(with_id(create, message_id), security_header("cs-frontend", password))
        return httpx.post(strict_hub.soap("workorder"), content=body,
                          headers={"content-type": "text/xml", "soapaction": '"CreateWorkOrder"'})

    assert [post("guess", "soap-guess-0000001").status_code for _ in range(2)] == [500, 500]  # wsse faults
    refused = post("guess", "soap-guess-0000002")
    assert refused.status_code == 500  # a Fault is HTTP 500 (WS-I BP R1126); the header names the refusal
    assert int(refused.headers["retry-after"]) >= 1 and refused.headers["x-onepoint-refusal"] == "throttled"
    fault = etree.fromstring(refused.content).find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault.findtext("faultcode") == "soap:Client.Throttled"
    right = post("cs-dev-password", "soap-right-000001")
    assert right.headers["x-onepoint-refusal"] == "throttled"  # no oracle while throttled


def test_a_soap_caller_whose_clock_is_off_keeps_hearing_message_expired(strict_hub, create):
    """Refused before its password is compared, a token from outside the time window teaches a guesser nothing: it is
    not a failed sign-in, so the caller is told what to fix (its clock) every time, never throttled for it."""
    skewed = datetime.now(UTC) - timedelta(minutes=20)

    def post(password: str, message_id: str, created: datetime | None = None) -> httpx.Response:
        body = envelope(with_id(create, message_id), security_header("cs-frontend", password, created=created))
        return httpx.post(strict_hub.soap("workorder"), content=body,
                          headers={"content-type": "text/xml", "soapaction": '"CreateWorkOrder"'})

    for n in range(6):  # three times the burst the strict hub allows
        refused = post("cs-dev-password", f"soap-skew-{n:08d}", created=skewed)
        assert refused.status_code == 500 and b"MessageExpired" in refused.content
    assert post("cs-dev-password", "soap-skew-fixed-01").status_code == 200  # clock fixed: in at once
