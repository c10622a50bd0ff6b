"""How every PostgreSQL engine of the hub connects: the work-order store, the processed-message store, the
bulletin, the OA adapter's records, the audit trail and the nonce store all take their ``connect_args`` here.

* **A connection not made within ``CONNECT_TIMEOUT_SECONDS``** fails (unless the URL sets ``connect_timeout``):
  a server that accepts and never answers stops a start, it does not hang it (psycopg alone waits ~130 s).
* **Bounds on what another process's stall can cost** (unless the URL sets ``options``): a lock awaited longer
  than ``lock_timeout_ms`` fails the statement (``LOCK_TIMEOUT_MS`` by default: a worker's transient failure,
  retried, its batch going on), a session idle inside a transaction for ``IDLE_IN_TRANSACTION_MS`` is ended by the
  server (its locks go with it) and TCP keep-alives on both ends find a peer that vanished (power, network) in
  about a minute instead of the kernel's two hours. Without them a hub paused or cut off in the middle of a
  transaction kept its rows and advisory locks, and every other hub waited behind them for good (audits of
  several hubs on one PostgreSQL: the work orders, then the OA records and the bulletin). A wait that must not be
  bounded says so in its own transaction (``SET LOCAL lock_timeout = 0``: the migrations' lock, the statistics
  counters behind a rebuild).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL

__all__ = ["CONNECT_TIMEOUT_SECONDS", "IDLE_IN_TRANSACTION_MS", "LOCK_TIMEOUT_MS", "postgres_connect_args",
           "session_options"]

CONNECT_TIMEOUT_SECONDS = 10
LOCK_TIMEOUT_MS = 5_000
IDLE_IN_TRANSACTION_MS = 120_000  # > the longest wait inside a transaction: confirms (30 s), a BOSS lookup (10 s)
_CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


def session_options(lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> str:
    """The libpq ``options`` of a session: its lock timeout, the idle-in-transaction timeout, server keep-alives."""
    return (f"-c lock_timeout={int(lock_timeout_ms)} -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
            " -c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3")


def postgres_connect_args(url: URL, *, lock_timeout_ms: int = LOCK_TIMEOUT_MS,
                          given: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``connect_args`` of an engine on ``url``: client keep-alives, the session's bounds and the connect
    timeout, each unless the URL sets it; ``given`` (an engine's own ``connect_args``) over them."""
    args: dict[str, Any] = dict(_CLIENT_KEEPALIVES)
    if "options" not in url.query:
        args["options"] = session_options(lock_timeout_ms)
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return {**args, **(given or {})}
