"""What a client writes in a UsernameToken is bounded before the hub keeps it: times that overflow in UTC, an
over-long Username, an over-long Nonce are refused as bad tokens (counted by the sign-in throttle), never a 5xx
of the hub; the throttle's keys cost the same few bytes whatever the username (auth audit repros 02-04)."""

from __future__ import annotations

import base64
import os
import re
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.config.settings import CallerConfig
from hub.security import CallerDirectory
from hub.security.throttle import SignInThrottle, SignInThrottled
from hub.soap.namespaces import DIGEST_TYPE, WSSE_NS, WSU_NS
from hub.soap.wsse import SecurityTokenRefused, UsernameTokenVerifier, password_digest
from tests.support.soap import SOAP_NS, envelope
from tests.unit.soap.test_soap_ingress_gate import OA, faultcode, fresh, hub, quiet, session

pytestmark = pytest.mark.unit

CS = CallerConfig(system="CS", username="cs", ws_password="ws-s3cret", commands=("workorder.*",))
LOW = "0001-01-01T00:00:00+01:00"  # valid ISO 8601, before year 1 in UTC
HIGH = "9999-12-31T23:59:59-01:00"  # after year 9999 in UTC
MAX_USERNAME, MAX_NONCE_BYTES = 255, 64  # hub.soap.wsse's caps


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def header(username: str, password: str, *, created: str | None = None, expires: str | None = None,
           nonce: bytes | None = None) -> str:
    nonce = os.urandom(16) if nonce is None else nonce
    created = now_text() if created is None else created
    timestamp = (f"<wsu:Timestamp><wsu:Expires>{expires}</wsu:Expires></wsu:Timestamp>"
                 if expires is not None else "")
    return (f'<wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}">{timestamp}<wsse:UsernameToken>'
            f"<wsse:Username>{username}</wsse:Username>"
            f'<wsse:Password Type="{DIGEST_TYPE}">{password_digest(nonce, created, password)}</wsse:Password>'
            f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
            "</wsse:UsernameToken></wsse:Security>")


def refused(xml: str) -> SecurityTokenRefused:
    verifier = UsernameTokenVerifier(CallerDirectory((CS,)), window_seconds=300, nonce_cache_size=100)
    with pytest.raises(SecurityTokenRefused) as failed:
        verifier.verify(etree.fromstring(f'<soap:Header xmlns:soap="{SOAP_NS}">{xml}</soap:Header>'))
    return failed.value


@pytest.mark.parametrize("created", [LOW, HIGH])
def test_a_created_time_out_of_range_in_utc_is_an_invalid_token_of_its_user(created: str) -> None:
    failed = refused(header("cs", "ws-s3cret", created=created))
    assert failed.code == "InvalidSecurityToken" and "out of range" in failed.reason
    assert failed.username == "cs"  # counted as a failed sign-in of cs


@pytest.mark.parametrize("expires", [LOW, HIGH])
def test_a_timestamp_expires_out_of_range_in_utc_is_invalid_security_of_its_user(expires: str) -> None:
    failed = refused(header("cs", "ws-s3cret", expires=expires))
    assert failed.code == "InvalidSecurity" and "wsu:Timestamp" in failed.reason
    assert failed.username == "cs"


def test_an_over_long_username_is_refused_before_anything_else() -> None:
    failed = refused(header("c" * (MAX_USERNAME + 1), "ws-s3cret", created=LOW))
    assert failed.code == "InvalidSecurityToken" and str(MAX_USERNAME) in failed.reason
    assert failed.username == ""  # the address is counted, not a key of a million characters
    assert refused(header("c" * MAX_USERNAME, "ws-s3cret")).code == "FailedAuthentication"  # just within


def test_a_nonce_over_the_cap_is_refused_and_one_at_the_cap_accepted() -> None:
    for size in (MAX_NONCE_BYTES + 1, 512 * 1024):
        failed = refused(header("cs", "ws-s3cret", nonce=os.urandom(size)))
        assert failed.code == "InvalidSecurityToken" and f"longer than {MAX_NONCE_BYTES} bytes" in failed.reason
    verifier = UsernameTokenVerifier(CallerDirectory((CS,)), window_seconds=300, nonce_cache_size=100)
    xml = header("cs", "ws-s3cret", nonce=os.urandom(MAX_NONCE_BYTES))
    assert verifier.verify(etree.fromstring(f'<soap:Header xmlns:soap="{SOAP_NS}">{xml}</soap:Header>')) is CS


def test_the_throttles_keys_do_not_grow_with_the_username() -> None:
    throttle = SignInThrottle(per_caller=5, per_address=1000, max_tracked=10_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20):
            throttle.failed(f"u{i}-" + "x" * 200_000, "10.9.9.9")
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000, grown  # 20 keys of a 200,000-character username each: a few KB, not 4 MB
    long_name = "y" * 200_000
    for _ in range(5):
        throttle.failed(long_name, "10.9.9.8")
    with pytest.raises(SignInThrottled):  # still one key per (username, address)
        throttle.check_caller(long_name, "10.9.9.8")
    throttle.check_caller(long_name + "z", "10.9.9.8")  # another username is another key


def oa_todo(examples_dir: Path, security: str) -> bytes:
    return envelope(fresh((examples_dir / "oa/CompleteTodo.valid.xml").read_bytes()), security)


@pytest.mark.parametrize("bad", [{"created": LOW}, {"created": HIGH}, {"expires": LOW}, {"expires": HIGH}])
def test_the_soap_ingress_refuses_an_out_of_range_time_as_a_bad_token_and_counts_it(
        dev_settings, registry, examples_dir, bad) -> None:
    async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.post("/soap/oa", content=oa_todo(examples_dir, header("oa", "oa-dev-password", **bad)),
                                  headers=OA) for _ in range(6)]

    answers = session(hub(quiet(dev_settings), registry), "10.2.2.2")(steps)
    code = "wsse:InvalidSecurity" if "expires" in bad else "wsse:InvalidSecurityToken"
    assert [a.status_code for a in answers[:5]] == [500] * 5, answers[0].text
    assert all(faultcode(a) == code for a in answers[:5]), answers[0].text
    assert b"out of range" in answers[0].content
    assert answers[5].status_code == 500 and faultcode(answers[5]) == "soap:Client.Throttled"  # counted


def test_the_soap_ingress_refuses_an_over_long_username_and_counts_its_address(
        dev_settings, registry, examples_dir) -> None:
    async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.post("/soap/oa", content=oa_todo(examples_dir, header(f"u{i}-" + "x" * 100_000, "x")),
                                  headers=OA) for i in range(6)]

    answers = session(hub(quiet(dev_settings), registry), "10.2.2.3")(steps)
    assert all(faultcode(a) == "wsse:InvalidSecurityToken" for a in answers[:5]), answers[0].text
    assert re.search(rb"longer than \d+ characters", answers[0].content)
    assert faultcode(answers[5]) == "soap:Client.Throttled"  # counted as failures of no username from this address
