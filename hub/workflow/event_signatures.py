"""Signed event deliveries: what lets a listener tell the hub's POSTs from anyone else's (as GitHub's
``X-Hub-Signature-256`` and Stripe's timestamped signatures do).

Each listener has a random secret of its own (``new_signing_secret``: ``secrets.token_urlsafe(32)``), generated at
registration, stored with it (``event_listeners.signing_secret``) and told to its system once, in
``RegisterListenerResponse``'s ``SigningSecret``. Every POST of an event carries

* ``X-OnePoint-Timestamp``: the time that attempt was sent, in whole Unix seconds (a retry is signed anew), and
* ``X-OnePoint-Signature``: ``sha256=`` and the lower-case hex HMAC-SHA256, keyed with the secret, of the timestamp,
  a dot and the body's bytes as sent (``signature``).

The receiver computes the same and compares in constant time, and refuses a timestamp far from its clock (five
minutes either way is the recommendation: docs/event-listeners.md "Signed deliveries") so a recorded POST cannot
be replayed later. The secret is never logged, nor shown by ``QueryListeners`` or ``onepoint listeners``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

__all__ = ["SCHEME", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "new_signing_secret", "signature", "signed_headers"]

SIGNATURE_HEADER = "X-OnePoint-Signature"
TIMESTAMP_HEADER = "X-OnePoint-Timestamp"
SCHEME = "sha256="
SECRET_BYTES = 32  # of randomness: 43 URL-safe base64 characters


def new_signing_secret() -> str:
    """A listener's new secret: 256 random bits as URL-safe text (what ``SigningSecret`` carries)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``: the value of ``X-OnePoint-Signature``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return SCHEME + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, now: Callable[[], float] | None = None) -> dict[str, str]:
    """The two headers of one attempt to POST ``body``, its timestamp taken now (the moment it is sent: the
    wall clock, ``time.time``, which a receiver compares with its own; not the workflow's clock)."""
    timestamp = int(time.time() if now is None else now())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}
