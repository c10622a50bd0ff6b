"""What every database engine of the hub shares: how a PostgreSQL session is bounded (``postgres_sessions``)."""

from hub.database.postgres_sessions import (
    CONNECT_TIMEOUT_SECONDS,
    IDLE_IN_TRANSACTION_MS,
    LOCK_TIMEOUT_MS,
    postgres_connect_args,
    session_options,
)

__all__ = ["CONNECT_TIMEOUT_SECONDS", "IDLE_IN_TRANSACTION_MS", "LOCK_TIMEOUT_MS", "postgres_connect_args",
           "session_options"]
