"""The work-order store: one interface over SQLite (default) and PostgreSQL, migrated with Alembic on open.

``WorkOrderStore`` (units of work per message, reads, the scheduler's due deadlines) and
``WorkOrderProcessedStore`` (the same transactions as a worker's processed-message store).
"""

from hub.workflow.store.due import DueBatch
from hub.workflow.store.health import StoreHealth
from hub.workflow.store.outbox import Listener, PendingEvent
from hub.workflow.store.processed import WorkOrderProcessedStore
from hub.workflow.store.records import (
    HISTORY_TEXT_LENGTH,
    WORK_ORDER_ID,
    DueDeadline,
    HistoryEntry,
    WorkOrderPage,
    WorkOrderView,
    new_work_order_id,
    within_history_text,
)
from hub.workflow.store.store import NestedTransactionError, NoTransactionError, WorkOrderStore
from hub.workflow.store.transaction import StaleWorkOrderError, UnknownWorkOrderError, WorkOrderTransaction

__all__ = [
    "HISTORY_TEXT_LENGTH",
    "WORK_ORDER_ID",
    "DueBatch",
    "DueDeadline",
    "HistoryEntry",
    "Listener",
    "NestedTransactionError",
    "NoTransactionError",
    "PendingEvent",
    "StaleWorkOrderError",
    "StoreHealth",
    "UnknownWorkOrderError",
    "WorkOrderPage",
    "WorkOrderProcessedStore",
    "WorkOrderStore",
    "WorkOrderTransaction",
    "WorkOrderView",
    "new_work_order_id",
    "within_history_text",
]
