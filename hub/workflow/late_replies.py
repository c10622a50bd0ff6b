"""NSP's reply that crossed the hub's withdrawal: noted on the work order, never refused.

The hub withdraws a work order's dispatch from NSP when the work order is cancelled, or answered without NSP (a
Reply by customer service), while NSP holds it unanswered (``hub.workflow.network_withdrawal``). NSP may have been
answering at that moment: its NetworkComplaintReply then reaches a CANCELLED, REPLIED, RETURN_VISITED or CLOSED
work order (NSP's answer to the withdrawal says ``ALREADY_ANSWERED``). The reply has no answer,
so refusing it (``callback-not-expected``) would only dead-letter a letter nobody can act on; what NSP found is worth
keeping with the work order. It is noted as a late answer (``hub.workflow.late_answers``): a field entry
``nsp_late_reply``, the new value NSP's ticket id, the note NSP's text (cause, action, result, resolved), by NSP's
handler, the state and everything else left alone (no START, no follow-up), and the message acked. Noted once: the
same reply sent again under another MessageId writes nothing more.

Which replies: those for a work order past NSP's part (``PAST_NSP``) whose move that ended it (the first since
its last DISPATCH: ``ended_nsp_part``) withdrew its dispatch from NSP, i.e. for which the hub owed NSP a
withdrawal then (``withdrawal_owed`` on the history before that move). A reply for a work order cancelled or closed
without a withdrawal (never dispatched to NSP, or NSP had answered) stays refused (``callback-not-expected``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.workflow.late_answers import LateAnswer
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.network_withdrawal import PAST_NSP, ended_nsp_part, withdrawal_owed
from hub.workflow.store import within_history_text

__all__ = ["LATE_REPLY_FIELD", "RepliedLate", "late_reply", "late_reply_note"]

LATE_REPLY_FIELD = "nsp_late_reply"  # the history field: NSP's ticket id of a reply that crossed the withdrawal


class RepliedLate(LateAnswer):
    """NSP replied to a dispatch the hub had withdrawn (the work order cancelled meanwhile): only noted."""


def late_reply_note(ticket_id: str, cause: str, action: str, result: str, resolved: str) -> str:
    """The history note of a reply that crossed the withdrawal: NSP's ticket and text."""
    return within_history_text(
        f"NSP answered ticket {ticket_id or '(none given)'} after the hub withdrew the dispatch (the work order "
        f"cancelled or answered without NSP); noted, the work order stays as it is. Cause: {cause}. "
        # as the history keeps it, so the same reply again is found noted
        f"Action: {action}. Result: {result}. Resolved: {resolved}.")


def withdrawn_from_nsp(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the work order ``row``, past NSP's part, was withdrawn from NSP by the move that ended that part (a
    withdrawal was owed then)."""
    if WorkOrderState(str(row["state"])) not in PAST_NSP:
        return False
    ended = ended_nsp_part(history)
    if ended is None:
        return False
    return withdrawal_owed(row, WorkOrderState(str(history[ended]["from_state"])), history[:ended])


def late_reply(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]], ticket_id: str,
               note: str) -> RepliedLate | None:
    """Why NSP's reply (naming ``ticket_id``, its history note ``note``) to the work order ``row`` is only noted:
    the work order was withdrawn from NSP when its NSP part ended (cancelled, or answered without NSP); None when
    it was not (the reply is taken, or refused, as before). ``noted_before`` when the same reply is noted already."""
    if not withdrawn_from_nsp(row, history):
        return None
    noted = any(entry["kind"] == "field" and entry["field"] == LATE_REPLY_FIELD and entry["new_value"] == ticket_id
                and entry["note"] == note for entry in history)
    return RepliedLate(note, noted_before=noted)
