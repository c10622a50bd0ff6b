"""WS-Security UsernameToken with PasswordDigest (OASIS WSS UsernameToken Profile 1.0/1.1).

``Password = Base64(SHA-1(nonce + created + password))``. A token is accepted only when its ``Created`` lies
within the replay window of now (both directions) and its nonce has not been seen within that window.

Every nonce is remembered until its token expires (``Created`` + the window), never forgotten earlier: a
replayed token would carry any command. The memory is bounded in all and per username (`NonceCache`); when a
bound is reached by live nonces, a new token is refused with `NonceCacheFull` (fail closed: send it again
later) rather than a live nonce forgotten, and one caller's traffic cannot take the others' share.
The verifier looks users up through `WsAccountLookup` (the hub passes its caller directory, an emulator a
`WsUsers` table), so it knows nothing of how accounts are configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import hmac
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from lxml import etree

from hub.soap.header import security_block
from hub.soap.namespaces import DIGEST_TYPE, WSSE_NS, WSU_NS

__all__ = [
    "NonceCache",
    "NonceCacheFull",
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


class NonceCacheFull(SecurityTokenRefused):
    """A valid token whose nonce cannot be remembered: the cache (``scope="cache"``) or this username's share of
    it (``scope="caller"``) is full of nonces still inside their window. Not a wrong password: the token may be
    sent again (with a new nonce) after ``retry_after`` seconds, when the first nonce of the cache expires (for a
    caller's full share, a lower bound of when one of its own does). A consumer
    that does not tell it apart refuses it as any other token (fail closed)."""

    def __init__(self, caller: str, scope: str, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))  # whole seconds, as ``Retry-After`` carries them
        super().__init__(f"the hub is busy: too many recent WS-Security tokens ({scope} limit); "
                         f"retry after {self.retry_after} s")
        self.caller = caller
        self.scope = scope


class NonceCache:
    """The nonces of accepted tokens, each until its token expires: at most ``max_entries`` in all and
    ``max_per_user`` per username (default: no share smaller than the whole).

    Expired nonces are forgotten first (a heap by expiry); a live one never is. `check_and_add` raises
    `NonceCacheFull` when a bound is reached by live nonces only.
    """

    def __init__(self, window_seconds: int, max_entries: int, max_per_user: int | None = None) -> None:
        if max_entries < 1 or (max_per_user is not None and max_per_user < 1):
            raise ValueError("the nonce cache's sizes must be positive")
        self.window = window_seconds
        self.max_entries = max_entries
        self.max_per_user = max_entries if max_per_user is None else min(max_per_user, max_entries)
        self._by_user: dict[str, dict[bytes, float]] = {}  # username → nonce → expiry
        self._expiries: list[tuple[float, str, bytes]] = []  # a heap: the next nonce to expire first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiries)

    def held_by(self, username: str) -> int:
        """How many live nonces of ``username`` are remembered."""
        return len(self._by_user.get(username, ()))

    def check_and_add(self, username: str, nonce: bytes, now: float, expires_at: float | None = None) -> bool:
        """True when this nonce is new (and now remembered until ``expires_at``, by default twice the window
        from now); False for a replay. `NonceCacheFull` when it cannot be remembered without forgetting a live
        nonce."""
        expires_at = now + 2 * self.window if expires_at is None else expires_at
        with self._lock:
            self._forget_expired(now)
            held = self._by_user.get(username)
            if held is not None and nonce in held:
                return False
            if held is not None and len(held) >= self.max_per_user:  # the cache's first expiry: a lower bound of
                raise NonceCacheFull(username, "caller", self._expiries[0][0] - now)  # this caller's, found in O(1)
            if len(self._expiries) >= self.max_entries:
                raise NonceCacheFull(username, "cache", self._expiries[0][0] - now)
            self._by_user.setdefault(username, {})[nonce] = expires_at
            heapq.heappush(self._expiries, (expires_at, username, nonce))
            return True

    def _forget_expired(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] < now:
            _, username, nonce = heapq.heappop(self._expiries)
            held = self._by_user[username]
            del held[nonce]
            if not held:
                del self._by_user[username]


def _parse_created(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("Created has no time zone")
    return value


class UsernameTokenVerifier(Generic[AccountT]):
    """Checks the UsernameToken of the ``wsse:Security`` header block targeted at us; returns its account."""

    def __init__(
        self, accounts: WsAccountLookup[AccountT], window_seconds: int = 300, nonce_cache_size: int = 100_000,
        *, nonces_per_user: int | None = None,
    ) -> None:
        self.accounts = accounts
        self.window = window_seconds
        self.nonces = NonceCache(window_seconds, nonce_cache_size, nonces_per_user)

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
        # remembered until the token expires; NonceCacheFull (a valid token, a busy hub) when it cannot be
        if not self.nonces.check_and_add(username, nonce, now, created_at + self.window):
            raise SecurityTokenRefused("this nonce was used before (replay)", "FailedAuthentication",
                                       username=username)
        return account
