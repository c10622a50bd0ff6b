"""What every database engine of the hub shares: how a PostgreSQL session is bounded (``postgres_sessions``), a
database error said in one line (``failures``), a plan PostgreSQL cached before a schema change
(``stale_plans``: transient) and a value the database refused (``refused_values``: permanent)."""

from hub.database.failures import failure_line
from hub.database.postgres_sessions import (
    CONNECT_TIMEOUT_SECONDS,
    IDLE_IN_TRANSACTION_MS,
    LOCK_TIMEOUT_MS,
    postgres_connect_args,
    session_options,
)
from hub.database.refused_values import refused_value
from hub.database.stale_plans import stale_plan

__all__ = ["CONNECT_TIMEOUT_SECONDS", "IDLE_IN_TRANSACTION_MS", "LOCK_TIMEOUT_MS", "failure_line",
           "postgres_connect_args", "refused_value", "session_options", "stale_plan"]
