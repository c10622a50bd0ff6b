"""WS-Security UsernameToken with PasswordDigest (OASIS WSS UsernameToken Profile 1.0/1.1).

``Password = Base64(SHA-1(nonce + created + password))``. A token is accepted only when its ``Created`` lies
within the replay window of now (both directions) and its nonce has not been seen within that window.
The verifier looks users up through `WsAccountLookup` (the hub passes its caller directory, an emulator a
`WsUsers` table), so it knows nothing of how accounts are configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from lxml import etree

from hub.soap.header import security_block
from hub.soap.namespaces import DIGEST_TYPE, WSSE_NS, WSU_NS

__all__ = [
    "NonceCache",
    "SecurityTokenRefused",
    "UsernameTokenVerifier",
    "WsAccount",
    "WsAccountLookup",
    "WsUser",
    "WsUsers",
    "password_digest",
]


class WsAccount(Protocol):
    """An account that may sign UsernameTokens: the shared secret PasswordDigest is computed from."""

    @property
    def ws_password(self) -> str | None: ...


AccountT = TypeVar("AccountT", bound=WsAccount)
AccountT_co = TypeVar("AccountT_co", bound=WsAccount, covariant=True)


class WsAccountLookup(Protocol[AccountT_co]):
    """Accounts by username (the hub's `CallerDirectory` is one)."""

    def get(self, username: str) -> AccountT_co | None: ...


@dataclass(frozen=True, slots=True)
class WsUser:
    username: str
    ws_password: str | None


class WsUsers:
    """A fixed table of usernames and shared secrets (an emulator's accounts)."""

    def __init__(self, passwords: Mapping[str, str]) -> None:
        self._users = {name: WsUser(name, password) for name, password in passwords.items()}

    def get(self, username: str) -> WsUser | None:
        return self._users.get(username)


class SecurityTokenRefused(Exception):
    """The UsernameToken does not authenticate anyone. ``code`` is the WSS fault code (``wsse:<code>``)."""

    def __init__(self, reason: str, code: str = "FailedAuthentication", *, username: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.username = username


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


class UsernameTokenVerifier(Generic[AccountT]):
    """Checks the UsernameToken of the ``wsse:Security`` header block targeted at us; returns its account."""

    def __init__(
        self, accounts: WsAccountLookup[AccountT], window_seconds: int = 300, nonce_cache_size: int = 100_000
    ) -> None:
        self.accounts = accounts
        self.window = window_seconds
        self.nonces = NonceCache(window_seconds, nonce_cache_size)

    def verify(self, soap_header: etree._Element | None, *, now: float | None = None) -> AccountT:
        """The authenticated account of a SOAP message, from its ``soap:Header``; raises `SecurityTokenRefused`."""
        now = time.time() if now is None else now
        security = security_block(soap_header)
        token = None if security is None else security.find(f"{{{WSSE_NS}}}UsernameToken")
        if token is None:
            raise SecurityTokenRefused("a WS-Security UsernameToken is required", "InvalidSecurity")
        username = (token.findtext(f"{{{WSSE_NS}}}Username") or "").strip()
        password = token.find(f"{{{WSSE_NS}}}Password")
        nonce_text = token.findtext(f"{{{WSSE_NS}}}Nonce")
        created = token.findtext(f"{{{WSU_NS}}}Created")
        if password is None or password.get("Type") != DIGEST_TYPE:
            raise SecurityTokenRefused(
                "PasswordDigest is required (PasswordText is refused)", "UnsupportedSecurityToken", username=username
            )
        if not nonce_text or not created:
            raise SecurityTokenRefused("PasswordDigest needs a Nonce and a wsu:Created", "InvalidSecurityToken",
                                       username=username)
        try:
            nonce = base64.b64decode(nonce_text.strip(), validate=True)
            created_at = _parse_created(created).astimezone(UTC).timestamp()
        except (binascii.Error, ValueError) as exc:
            raise SecurityTokenRefused(f"malformed UsernameToken: {exc}", "InvalidSecurityToken",
                                       username=username) from None
        if abs(now - created_at) > self.window:
            raise SecurityTokenRefused(
                f"the token was created {created.strip()}, outside the {self.window} s window", "MessageExpired",
                username=username,
            )
        account = self.accounts.get(username)
        secret = None if account is None else account.ws_password
        expected = None if secret is None else password_digest(nonce, created.strip(), secret)
        if account is None or expected is None or not hmac.compare_digest(expected, (password.text or "").strip()):
            raise SecurityTokenRefused("unknown user or wrong password", username=username)
        if not self.nonces.check_and_add(username, nonce, now):
            raise SecurityTokenRefused("this nonce was used before (replay)", "FailedAuthentication",
                                       username=username)
        return account
