"""A system's answer that comes after the hub finished with what it answers: noted on the work order, never refused.

Some call-backs have no answer, so refusing one the hub no longer wanted would only dead-letter a letter nobody can
act on, on every race between the hub closing a thing and the system answering it. Each such call-back's handler
tells, in its ``expected`` check, why the answer is only noted by raising a ``LateAnswer`` (nothing written yet),
catches it and notes it once (``note_late_answer``: one field entry, the state and everything else left alone), and
acks the message. The kinds: OA completing a to-do the hub had closed (``hub.workflow.late_completions``), NSP
replying to a dispatch the hub had withdrawn (``hub.workflow.late_replies``).
"""

from __future__ import annotations

from datetime import datetime

from hub.workflow.engine import WorkOrderEngine
from hub.workflow.store import WorkOrderTransaction

__all__ = ["LateAnswer", "note_late_answer"]


class LateAnswer(Exception):
    """A system answered what the hub had finished with: ``note`` says why it is only noted; ``noted_before``: this
    answer is in the history already (nothing to write)."""

    def __init__(self, note: str, *, noted_before: bool = False) -> None:
        super().__init__(note)
        self.note = note
        self.noted_before = noted_before


def note_late_answer(engine: WorkOrderEngine, tx: WorkOrderTransaction, work_order_id: str, late: LateAnswer, *,
                     field: str, value: str, actor: str, system: str, now: datetime,
                     message_id: str | None) -> None:
    """Note ``late`` in the work order's history (once: nothing when ``late.noted_before``), in the call-back's
    transaction: a field entry ``field`` = ``value`` by ``actor`` of ``system``, ``late.note`` as its note."""
    if not late.noted_before:
        engine.note(tx, work_order_id, {field: value[:2000]}, actor=actor, system=system, now=now, note=late.note,
                    message_id=message_id)
