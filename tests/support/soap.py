"""Raw SOAP 1.1 envelopes with a WS-Security UsernameToken, for tests that must send exact bytes."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta

from hub.soap.namespaces import DIGEST_TYPE, SOAP_NS, WSSE_NS, WSU_NS
from hub.soap.wsse import password_digest

__all__ = ["SOAP_NS", "envelope", "security_header", "stale", "strip_declaration"]


def security_header(
    username: str, password: str, *, created: datetime | None = None, nonce: bytes | None = None
) -> str:
    nonce = nonce or os.urandom(16)
    stamp = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = password_digest(nonce, stamp, password)
    return (
        f'<wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{DIGEST_TYPE}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{stamp}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security>"
    )


def strip_declaration(document: bytes) -> bytes:
    return document.split(b"?>", 1)[1] if document.lstrip().startswith(b"<?xml") else document


def envelope(body: bytes, header: str = "", *, prolog: bytes = b"") -> bytes:
    return (
        prolog
        + f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Header>{header}</soap:Header><soap:Body>'.encode()
        + strip_declaration(body)
        + b"</soap:Body></soap:Envelope>"
    )


def stale(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)
