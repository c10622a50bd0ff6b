"""WS-Security UsernameToken with PasswordDigest (OASIS WSS UsernameToken Profile 1.0/1.1).

``Password = Base64(SHA-1(nonce + created + password))``. A token is accepted only when its ``Created`` lies
within the replay window of now (both directions) and its nonce has not been seen within that window.

Every nonce is remembered until its token expires (``Created`` + the window), never forgotten earlier: a
replayed token would carry any command. The memory is bounded in all and per username (`NonceCache`); when a
bound is reached by live nonces, a new token is refused with `NonceCacheFull` (fail closed: send it again
later) rather than a live nonce forgotten, and one caller's traffic cannot take the others' share.
The verifier looks users up through `WsAccountLookup` (the hub passes its caller directory, an emulator a
`WsUsers` table), so it knows nothing of how accounts are configured. Where the nonces are remembered is a
`NonceStore`: `NonceCache` (this process's memory, the default) or a store shared by every hub process (the hub's
`hub.security.nonces.SqlNonceStore`): with several hub processes, or across a restart, only a shared store refuses
a token replayed to another process.

A ``wsu:Timestamp`` in the same ``wsse:Security`` block (WSS 1.1 §10) is checked too: its ``Expires``, when it
has one, must not have passed (allowing the same clock skew as ``Created``: the window), else the message is
refused with ``wsse:MessageExpired`` (`hub.soap.wsse.token_times`).

PasswordText is refused unless the verifier is built with ``password_text_over_tls`` and `check` is told the
request came over TLS (`hub.soap.wsse.password_text`); its Nonce and Created are then optional, and a token
without a Nonce is not remembered (TLS is its replay protection).

What a client sends is bounded before it is kept anywhere: a Username over `MAX_USERNAME` characters and a Nonce
over `MAX_NONCE_BYTES` bytes are refused (``wsse:InvalidSecurityToken``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from lxml import etree

from hub.soap.header import security_block
from hub.soap.namespaces import WSSE_NS, WSU_NS
from hub.soap.wsse.nonces import NonceCache, NonceCacheFull, NonceStore, SecurityTokenRefused
from hub.soap.wsse.password_text import admit_password_type, password_text_matches
from hub.soap.wsse.token_times import check_created, check_timestamp

__all__ = [
    "MAX_NONCE_BYTES",
    "MAX_USERNAME",
    "AcceptedToken",
    "NonceCache",
    "NonceCacheFull",
    "NonceStore",
    "SecurityTokenRefused",
    "TokenReplayed",
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


MAX_USERNAME = 255  # characters: a longer Username is refused before it is looked up, counted or logged
MAX_NONCE_BYTES = 64  # a decoded Nonce longer than this is refused (16 are usual): a nonce is kept for the window
_MAX_NONCE_TEXT = 4 * -(-MAX_NONCE_BYTES // 3)  # its base64 length, padding included


def password_digest(nonce: bytes, created: str, password: str) -> str:
    raw = hashlib.sha1(nonce + created.encode("utf-8") + password.encode("utf-8")).digest()  # noqa: S324 (WSS spec)
    return base64.b64encode(raw).decode("ascii")


def _username(token: etree._Element) -> str:
    """The token's Username; a longer one than `MAX_USERNAME` is refused at once, counted for no username (its
    address still counts: the throttle's key ``""``)."""
    username = (token.findtext(f"{{{WSSE_NS}}}Username") or "").strip()
    if len(username) > MAX_USERNAME:
        raise SecurityTokenRefused(f"the Username is longer than {MAX_USERNAME} characters",
                                   "InvalidSecurityToken", username="")
    return username


def _nonce(text: str, username: str) -> bytes:
    """The decoded Nonce; malformed or longer than `MAX_NONCE_BYTES`: ``InvalidSecurityToken``."""
    text = text.strip()
    try:
        if len(text) > _MAX_NONCE_TEXT:
            raise ValueError(f"the Nonce is longer than {MAX_NONCE_BYTES} bytes")
        nonce = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecurityTokenRefused(f"malformed UsernameToken: {exc}", "InvalidSecurityToken",
                                   username=username) from None
    if len(nonce) > MAX_NONCE_BYTES:
        raise SecurityTokenRefused(f"malformed UsernameToken: the Nonce is longer than {MAX_NONCE_BYTES} bytes",
                                   "InvalidSecurityToken", username=username)
    return nonce


class TokenReplayed(SecurityTokenRefused):
    """A token whose nonce was used before: refused (``wsse:FailedAuthentication``), but its digest was right, so
    the password was not guessed here. A replay teaches a guesser nothing: a sign-in throttle does not count it
    as a failure (a client re-sending a request whose answer it lost would otherwise lock its own caller out)."""

    def __init__(self, username: str) -> None:
        super().__init__("this nonce was used before (replay): send every request with a new Nonce",
                         "FailedAuthentication", username=username)


@dataclass(frozen=True, slots=True)
class AcceptedToken(Generic[AccountT]):
    """A token whose password is right, its nonce not remembered yet (`UsernameTokenVerifier.remember`); a
    PasswordText token may have no nonce (None: nothing to remember)."""

    account: AccountT
    username: str
    nonce: bytes | None
    now: float
    expires_at: float


class UsernameTokenVerifier(Generic[AccountT]):
    """Checks the UsernameToken of the ``wsse:Security`` header block targeted at us; returns its account.

    ``verify`` does it all; a caller on an event loop whose store is ``blocking`` calls `check` there and
    `remember` (the store's I/O) on a worker thread.
    """

    def __init__(
        self, accounts: WsAccountLookup[AccountT], window_seconds: int = 300, nonce_cache_size: int = 100_000,
        *, nonces_per_user: int | None = None, nonces: NonceStore | None = None, password_text_over_tls: bool = False,
    ) -> None:
        """``nonces``: where nonces are remembered (default: a `NonceCache` of ``nonce_cache_size``, at most
        ``nonces_per_user`` per username, in this process's memory). ``password_text_over_tls``: a PasswordText
        token is taken from a request that came over TLS (`check`'s ``over_tls``)."""
        self.accounts = accounts
        self.window = window_seconds
        self.password_text_over_tls = password_text_over_tls
        self.nonces: NonceStore = (nonces if nonces is not None
                                   else NonceCache(window_seconds, nonce_cache_size, nonces_per_user))

    def verify(self, soap_header: etree._Element | None, *, now: float | None = None,
               over_tls: bool = False) -> AccountT:
        """The authenticated account of a SOAP message, from its ``soap:Header``; raises `SecurityTokenRefused`."""
        accepted = self.check(soap_header, now=now, over_tls=over_tls)
        self.remember(accepted)
        return accepted.account

    def remember(self, accepted: AcceptedToken[AccountT]) -> None:
        """Remember the token's nonce until it expires (a token without one: nothing); `TokenReplayed` for a
        replay, `NonceCacheFull` (a valid token, a busy hub) when it cannot be remembered."""
        if accepted.nonce is None:
            return
        if not self.nonces.check_and_add(accepted.username, accepted.nonce, accepted.now, accepted.expires_at):
            raise TokenReplayed(accepted.username)

    def check(self, soap_header: etree._Element | None, *, now: float | None = None,
              over_tls: bool = False) -> AcceptedToken[AccountT]:
        """The token of a SOAP message checked but for its nonce (`remember`); raises `SecurityTokenRefused`.
        ``over_tls``: the request came over HTTPS (a PasswordText token may then be taken)."""
        now = time.time() if now is None else now
        security = security_block(soap_header)
        token = None if security is None else security.find(f"{{{WSSE_NS}}}UsernameToken")
        if security is None or token is None:
            raise SecurityTokenRefused("a WS-Security UsernameToken is required", "InvalidSecurity")
        username = _username(token)
        check_timestamp(security, now, self.window, username)
        password = token.find(f"{{{WSSE_NS}}}Password")
        text = admit_password_type(password, username, allowed=self.password_text_over_tls, over_tls=over_tls)
        nonce_text = token.findtext(f"{{{WSSE_NS}}}Nonce")
        created = token.findtext(f"{{{WSU_NS}}}Created")
        if not text and (not nonce_text or not created):
            raise SecurityTokenRefused("PasswordDigest needs a Nonce and a wsu:Created", "InvalidSecurityToken",
                                       username=username)
        if text and nonce_text and not created:  # its nonce is remembered for the window after its Created only
            raise SecurityTokenRefused("a Nonce needs a wsu:Created (send both, or neither)", "InvalidSecurityToken",
                                       username=username)
        nonce = _nonce(nonce_text, username) if nonce_text else None
        created_at = check_created(created, now, self.window, username) if created else None
        account = self.accounts.get(username)
        secret = None if account is None else account.ws_password
        given = "" if password is None else password.text or ""
        if text:
            right = password_text_matches(secret, given)
        else:  # no secret, or an empty one (an unfilled setting): nobody signs in as this account, not even with ""
            expected = password_digest(nonce or b"", (created or "").strip(), secret) if secret else None
            right = expected is not None and hmac.compare_digest(expected, given.strip())
        if account is None or not right:
            raise SecurityTokenRefused("unknown user or wrong password", username=username)
        # remembered until it expires: the window from its Created, or from now when it has none
        return AcceptedToken(account, username, nonce, now, (now if created_at is None else created_at) + self.window)
