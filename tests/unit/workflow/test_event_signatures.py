"""Signed event deliveries (``hub.workflow.event_signatures``): the HMAC-SHA256 of ``<timestamp>.<body>`` keyed with
the listener's secret, as ``sha256=<hex>``; the timestamp the moment of sending; a new secret random, 256 bits, of
the characters the schema's ``SigningSecret`` allows."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from hub.workflow.event_signatures import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    new_signing_secret,
    signature,
    signed_headers,
)

pytestmark = pytest.mark.unit

SECRET = "q9Xv2mB7LwR4tZk1N8cYpE3sHdJ6uAfG0oWiVbTnKxM"
BODY = '{"eventId": "6f1c", "eventType": "TroubleTicketCloseEvent", "note": "已关闭"}'.encode()


def test_the_signature_is_the_hmac_sha256_of_the_timestamp_a_dot_and_the_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1796000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1796000000, BODY) == "sha256=" + expected
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature(SECRET, 1796000000, BODY))


@pytest.mark.parametrize("changed", ["secret", "timestamp", "body"])
def test_any_change_of_secret_timestamp_or_body_changes_the_signature(changed: str) -> None:
    secret, timestamp, body = SECRET, 1796000000, BODY
    if changed == "secret":
        secret = SECRET[:-1] + "N"
    elif changed == "timestamp":
        timestamp += 1
    else:
        body = BODY.replace(b"Close", b"Create")
    assert signature(secret, timestamp, body) != signature(SECRET, 1796000000, BODY)


def test_the_headers_carry_the_moment_of_sending_in_whole_seconds() -> None:
    headers = signed_headers(SECRET, BODY, now=lambda: 1796000000.9)
    assert headers == {TIMESTAMP_HEADER: "1796000000", SIGNATURE_HEADER: signature(SECRET, 1796000000, BODY)}
    assert signed_headers(SECRET, BODY, now=lambda: 1796000060.0)[TIMESTAMP_HEADER] == "1796000060"


def test_a_new_secret_is_random_and_fits_the_schema() -> None:
    drawn = {new_signing_secret() for _ in range(50)}
    assert len(drawn) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_\-]{43,128}", secret) for secret in drawn)
