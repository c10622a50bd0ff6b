"""Who may call the hub: authentication of source systems and the authorization table."""

from __future__ import annotations

import fnmatch
import hashlib
import threading
from collections import OrderedDict

from hub.config.settings import CallerConfig
from hub.security.secrets import hash_token, verify_password

__all__ = ["AuthenticationFailed", "CallerDirectory", "NotAuthorized"]

# A stored hash no password matches (its digest is zeros), checked for unknown users.
_NO_PASSWORD = "scrypt$16384$8$1$" + "A" * 22 + "==$" + "A" * 43 + "="


class AuthenticationFailed(Exception):
    """The caller could not be authenticated. ``code`` is a WS-Security fault code name; ``username``: the one
    given, as written (None: none was, a bearer token); ``address``: the client's, for the log line."""

    def __init__(self, reason: str, code: str = "FailedAuthentication", *, username: str | None = None,
                 address: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.username = username
        self.address = address

    def at(self, address: str) -> AuthenticationFailed:
        """This failure, from the client at ``address``."""
        return AuthenticationFailed(self.reason, self.code, username=self.username, address=address)


class NotAuthorized(Exception):
    """The caller is known but may not send this command."""


class CallerDirectory:
    """Callers by username, with a small cache of verified Basic credentials.

    scrypt costs tens of milliseconds by design; a verified (username, password) pair is remembered by its
    SHA-256 so that a busy caller pays it once, not per request.
    """

    def __init__(self, callers: tuple[CallerConfig, ...], *, cache_size: int = 1024) -> None:
        self._by_username = {c.username: c for c in callers}
        self._by_token = {h: c for c in callers for h in c.token_hashes}
        self._verified: OrderedDict[bytes, CallerConfig] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def get(self, username: str) -> CallerConfig | None:
        return self._by_username.get(username)

    def authenticate_basic(self, username: str, password: str) -> CallerConfig:
        key = hashlib.sha256(f"{username}\0{password}".encode()).digest()
        with self._lock:
            cached = self._verified.get(key)
            if cached is not None:
                self._verified.move_to_end(key)
                return cached
        caller = self._by_username.get(username)
        stored = caller.password_hash if caller is not None and caller.password_hash is not None else _NO_PASSWORD
        # an unknown user costs the same hash as a known one: the answer's time does not tell which names exist
        if not verify_password(password, stored) or caller is None or stored is _NO_PASSWORD:
            raise AuthenticationFailed("unknown user or wrong password", username=username)
        with self._lock:
            self._verified[key] = caller
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return caller

    def authenticate_token(self, token: str) -> CallerConfig:
        caller = self._by_token.get(hash_token(token))
        if caller is None:
            raise AuthenticationFailed("unknown bearer token")
        return caller

    def cached_basic(self, username: str, password: str) -> CallerConfig | None:
        """The caller if this exact pair was verified recently (no scrypt work), else None."""
        key = hashlib.sha256(f"{username}\0{password}".encode()).digest()
        with self._lock:
            return self._verified.get(key)

    @staticmethod
    def authorize_command(caller: CallerConfig, command_type: str) -> None:
        """Raise `NotAuthorized` unless the authorization table lets ``caller`` send ``command_type``."""
        if not any(fnmatch.fnmatchcase(command_type, pattern) for pattern in caller.commands):
            raise NotAuthorized(f"system {caller.system} may not send {command_type}")

    @staticmethod
    def authorize_source(caller: CallerConfig, source_system: str) -> None:
        """Raise `NotAuthorized` unless ``caller`` sends as its own system (the Header's ``SourceSystem``)."""
        if source_system != caller.system:
            raise NotAuthorized(
                f"caller {caller.username!r} is system {caller.system} and may not send as {source_system}"
            )
