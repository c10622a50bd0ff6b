"""Where the SOAP ingress remembers WS-Security nonces: this process's memory, or a database every hub shares.

A UsernameToken's PasswordDigest covers its nonce, ``Created`` and the password, not the message: a token seen
once may carry any other command until it expires. `hub.soap.wsse.NonceCache` refuses the replay to the process
that saw the token; a second hub process, or the same one restarted, has not seen it. ``[security] nonce_store``
chooses the store:

* ``"memory"`` (the default): `NonceCache`, bounded (``nonce_cache_size``, half per caller), one process only;
* ``"workflow"``: the work-order database (``[workflow] database``), shared by the hub processes that use it;
* a database URL (``sqlite:///PATH``, ``postgresql+psycopg://…``): that database.

`SqlNonceStore` (SQLAlchemy Core, SQLite and PostgreSQL) keeps one row per (username, nonce) in table
``onepoint_wsse_nonces`` (created when missing), the primary key making "insert or fail" atomic across processes:
one ``INSERT … ON CONFLICT DO UPDATE … WHERE expires_at < now`` (the same SQL on SQLite and PostgreSQL) inserts a
new nonce or takes over an expired row not purged yet, and changes nothing for a live one: a replay, whichever
process saw the token first (of two racing for one nonce, one wins). Expired rows are deleted in bulk at most once
per ``purge_seconds`` by each process, never per request. The nonce is stored as its SHA-256 (a fixed 32 bytes
whatever a client sends); the verifier takes no Nonce over ``MAX_NONCE_BYTES`` (64) before either store sees it, so
the memory cache and this store remember the same tokens.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from hub.config.settings import HubSettings
from hub.database import postgres_connect_args
from hub.soap.wsse import NonceCache, NonceStore

__all__ = ["NONCES", "NonceStoreDown", "NonceStoreUnavailable", "SqlNonceStore", "nonce_store_url", "open_nonce_store"]

log = logging.getLogger("onepoint.ingress")


_metadata = sa.MetaData()
NONCES = sa.Table(
    "onepoint_wsse_nonces", _metadata,
    sa.Column("username", sa.String(255), primary_key=True),
    sa.Column("nonce", sa.LargeBinary(32), primary_key=True),  # SHA-256 of the nonce
    sa.Column("expires_at", sa.Float, nullable=False),  # seconds since the epoch (UTC)
    sa.Index("ix_onepoint_wsse_nonces_expires_at", "expires_at"),
)


def _create_table(engine: Engine) -> None:
    """The table and its index, unless there (hub processes starting at once may race to create them)."""
    try:
        _metadata.create_all(engine, checkfirst=True)
    except sa.exc.DBAPIError:
        if not sa.inspect(engine).has_table(NONCES.name):
            raise


class NonceStoreDown(RuntimeError):
    """The nonce store's database did not answer a signed call's check: the call is refused (503), not accepted."""


class NonceStoreUnavailable(RuntimeError):
    """The database of ``[security] nonce_store`` could not be opened; the message is one line naming the setting
    and the URL (without its password)."""


class SqlNonceStore:
    """Nonces in a database several hub processes share; thread-safe (a connection pool per engine)."""

    blocking = True  # a database round trip: the SOAP ingress calls it on a worker thread

    def __init__(self, engine: Engine, window_seconds: int, *, purge_seconds: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.window = window_seconds
        self.purge_seconds = float(window_seconds) if purge_seconds is None else purge_seconds
        self._clock = clock
        self._next_purge = clock() + self.purge_seconds
        self._purge_lock = threading.Lock()
        _create_table(engine)
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(engine.dialect.name)
        if dialect is None:
            raise ValueError(f"nonce store: {engine.dialect.name} is not supported (SQLite or PostgreSQL)")
        insert = dialect.insert(NONCES)
        self._remember = insert.on_conflict_do_update(
            index_elements=[NONCES.c.username, NONCES.c.nonce], set_={"expires_at": insert.excluded.expires_at},
            where=NONCES.c.expires_at < sa.bindparam("now"),
        ).returning(NONCES.c.expires_at)  # a row back: written (psycopg's rowcount says -1 for this statement)

    @classmethod
    def open(cls, url: str, window_seconds: int, *, purge_seconds: float | None = None) -> SqlNonceStore:
        """A store on the database at ``url`` (SQLAlchemy URL); a PostgreSQL connection not made within
        ``CONNECT_TIMEOUT_SECONDS`` fails (unless the URL sets ``connect_timeout``): a hung server is no hang here."""
        parsed = sa.engine.make_url(url)
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":  # bounded sessions (hub.database)
            options["connect_args"] = postgres_connect_args(parsed)
        return cls(sa.create_engine(parsed, pool_pre_ping=True, **options), window_seconds,
                   purge_seconds=purge_seconds)

    def check_and_add(self, username: str, nonce: bytes, now: float, expires_at: float | None = None) -> bool:
        """True when this nonce of ``username`` is new anywhere (now remembered until ``expires_at``, by default
        twice the window from now); False for a replay (a live row of any process)."""
        until = now + 2 * self.window if expires_at is None else expires_at
        digest = hashlib.sha256(nonce).digest()
        try:
            with self.engine.begin() as connection:
                written = connection.execute(self._remember, {"username": username, "nonce": digest,
                                                              "expires_at": until, "now": now}).first()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:  # the server down: refused, said so
            reason = getattr(exc, "orig", None) or exc
            raise NonceStoreDown(f"the WS-Security nonce store ([security] nonce_store) cannot be reached: "
                                 f"{type(reason).__name__}") from exc
        fresh = written is not None  # inserted, or an expired row taken over; none: a live row (a replay)
        self._purge_now_and_then(now)
        return fresh

    def purge(self, now: float | None = None) -> int:
        """Delete every expired row; how many."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            deleted = connection.execute(NONCES.delete().where(NONCES.c.expires_at < now))
        return int(deleted.rowcount or 0)

    def _purge_now_and_then(self, now: float) -> None:
        tick = self._clock()
        if tick < self._next_purge or not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._next_purge = tick + self.purge_seconds
            self.purge(now)
        except Exception:  # a failed purge refuses nothing: the next one deletes what this one left
            log.warning("expired WS-Security nonces not purged", exc_info=True)
        finally:
            self._purge_lock.release()

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(NONCES)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


def nonce_store_url(settings: HubSettings) -> str | None:
    """The database URL of ``[security] nonce_store`` (None: this process's memory)."""
    chosen = settings.security.nonce_store
    if chosen == "memory":
        return None
    return settings.workflow.database if chosen == "workflow" else chosen


def open_nonce_store(settings: HubSettings) -> NonceStore:
    """The nonce store ``settings`` name (``[security] nonce_store``)."""
    security = settings.security
    url = nonce_store_url(settings)
    if url is None:  # one caller holds half of the cache at most: none fills it alone
        return NonceCache(security.replay_window_seconds, security.nonce_cache_size,
                          max(1, security.nonce_cache_size // 2))
    try:
        return SqlNonceStore.open(url, security.replay_window_seconds)
    except sa.exc.SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        first_line = (str(reason).strip().splitlines() or [""])[0]
        setting = ("[security] nonce_store = \"workflow\" ([workflow] database "
                   if security.nonce_store == "workflow" else "[security] nonce_store (")
        raise NonceStoreUnavailable(
            f"{settings.source}: cannot open the WS-Security nonce store, {setting}{_shown(url)}): "
            f"{type(reason).__name__}: {first_line}") from None


def _shown(url: str) -> str:
    """``url`` without its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
