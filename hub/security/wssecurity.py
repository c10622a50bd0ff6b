"""WS-Security UsernameToken with PasswordDigest (OASIS WSS UsernameToken Profile 1.0/1.1).

``Password = Base64(SHA-1(nonce + created + password))``. A token is accepted only when its ``Created`` lies
within the replay window of now (both directions) and its nonce has not been seen within that window.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime

from lxml import etree

from hub.config.settings import CallerConfig
from hub.security.callers import AuthenticationFailed, CallerDirectory

__all__ = ["NonceCache", "UsernameTokenVerifier", "password_digest"]

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)


def password_digest(nonce: bytes, created: str, password: str) -> str:
    raw = hashlib.sha1(nonce + created.encode("utf-8") + password.encode("utf-8")).digest()  # noqa: S324 (WSS spec)
    return base64.b64encode(raw).decode("ascii")


class NonceCache:
    """Nonces seen within the replay window, bounded in size; the oldest are forgotten first."""

    def __init__(self, window_seconds: int, max_entries: int) -> None:
        self.window = window_seconds
        self.max_entries = max_entries
        self._seen: OrderedDict[tuple[str, bytes], float] = OrderedDict()
        self._lock = threading.Lock()

    def check_and_add(self, username: str, nonce: bytes, now: float) -> bool:
        """True when this nonce is new (and now remembered); False for a replay."""
        key = (username, nonce)
        with self._lock:
            while self._seen:
                oldest_key, seen_at = next(iter(self._seen.items()))
                if now - seen_at <= 2 * self.window and len(self._seen) < self.max_entries:
                    break
                del self._seen[oldest_key]
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


def _parse_created(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("Created has no time zone")
    return value


class UsernameTokenVerifier:
    def __init__(self, callers: CallerDirectory, window_seconds: int = 300, nonce_cache_size: int = 100_000) -> None:
        self.callers = callers
        self.window = window_seconds
        self.nonces = NonceCache(window_seconds, nonce_cache_size)

    def verify(self, soap_header: etree._Element | None, *, now: float | None = None) -> CallerConfig:
        """The authenticated caller of a SOAP message, from its ``soap:Header``; raises `AuthenticationFailed`."""
        now = time.time() if now is None else now
        token = None if soap_header is None else soap_header.find(f"{{{WSSE_NS}}}Security/{{{WSSE_NS}}}UsernameToken")
        if token is None:
            raise AuthenticationFailed("a WS-Security UsernameToken is required", "InvalidSecurity")
        username = (token.findtext(f"{{{WSSE_NS}}}Username") or "").strip()
        password = token.find(f"{{{WSSE_NS}}}Password")
        nonce_text = token.findtext(f"{{{WSSE_NS}}}Nonce")
        created = token.findtext(f"{{{WSU_NS}}}Created")
        if password is None or password.get("Type") != DIGEST_TYPE:
            raise AuthenticationFailed(
                "PasswordDigest is required (PasswordText is refused)", "UnsupportedSecurityToken"
            )
        if not nonce_text or not created:
            raise AuthenticationFailed("PasswordDigest needs a Nonce and a wsu:Created", "InvalidSecurityToken")
        try:
            nonce = base64.b64decode(nonce_text.strip(), validate=True)
            created_at = _parse_created(created).astimezone(UTC).timestamp()
        except (binascii.Error, ValueError) as exc:
            raise AuthenticationFailed(f"malformed UsernameToken: {exc}", "InvalidSecurityToken") from None
        if abs(now - created_at) > self.window:
            raise AuthenticationFailed(
                f"the token was created {created.strip()}, outside the {self.window} s window", "MessageExpired"
            )
        caller = self.callers.get(username)
        expected = None if caller is None or caller.ws_password is None else password_digest(
            nonce, created.strip(), caller.ws_password
        )
        if caller is None or expected is None or not hmac.compare_digest(expected, (password.text or "").strip()):
            raise AuthenticationFailed("unknown user or wrong password")
        if not self.nonces.check_and_add(username, nonce, now):
            raise AuthenticationFailed("this nonce was used before (replay)", "FailedAuthentication")
        return caller
