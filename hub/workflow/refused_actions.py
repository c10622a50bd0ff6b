"""A command the engine refuses leaves nothing written: a WorkOrderAction (and NSP's and OA's call-backs) is carried
out in a savepoint of the message's transaction, rolled back on ``WorkOrderRefused`` (an observer's refusal after the
action's own writes too: a reply half done, an incident replied with some of its children, is not committed with
the c:Error answer). What the refusal itself records (``WorkOrderRefused.kept``: a dispatch refused after all keeps
its DISPATCH_REFUSED entry) is written again after the rollback. The message's processed record, with the refusal's
answer, is written by the caller as before: a redelivery is answered the same error, in the single-message and the
batch path alike (a batch's savepoint per message holds this one inside it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hub.workflow.commands import WorkOrderRefused
from hub.workflow.store import WorkOrderTransaction

__all__ = ["nothing_written_if_refused"]


@contextmanager
def nothing_written_if_refused(tx: WorkOrderTransaction) -> Iterator[None]:
    """Undo what the block wrote when it raises ``WorkOrderRefused``, keep what the refusal records, re-raise."""
    try:
        with tx.savepoint():
            yield
    except WorkOrderRefused as refused:
        if refused.kept is not None:
            refused.kept(tx)
        raise
