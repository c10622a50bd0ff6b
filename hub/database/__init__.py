"""What every database engine of the hub shares: how a PostgreSQL session is bounded (``postgres_sessions``), and a
database error said in one line (``failures``)."""

from hub.database.failures import failure_line
from hub.database.postgres_sessions import (
    CONNECT_TIMEOUT_SECONDS,
    IDLE_IN_TRANSACTION_MS,
    LOCK_TIMEOUT_MS,
    postgres_connect_args,
    session_options,
)

__all__ = ["CONNECT_TIMEOUT_SECONDS", "IDLE_IN_TRANSACTION_MS", "LOCK_TIMEOUT_MS", "failure_line",
           "postgres_connect_args", "session_options"]
