"""How far a dead-lettered command got with its system (``FailureClass``): what the work order's note may truthfully
say of it (``hub.workers.dead_letter_notes``, ``hub.workflow.dead_letter_history``).

A gateway marks the failures it raises (``failure_class`` of ``TransientError`` / ``PermanentError``): a connection
never made (refused, no route, its connect timed out: the system never got the command), a call that timed out
waiting for the answer (the system may have it), an answer that could not be read (not XML, not the expected
document, failing its XSD, a ``c:Error`` with status 200: the system got the command and may have acted on it), a
failure the system answered (a SOAP Server fault, an HTTP 500 with its error document: it got it) and the system's
own refusal (its code is the note's ``RefusalCode``). Any other failure (a proxy's page, a reset connection, the
hub's own error) is not marked: whether the system got the command is not known.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FailureClass", "failure_class_of"]


class FailureClass(StrEnum):
    """``wo:DeadLetterFailureClass``'s values."""

    NOT_CONNECTED = "NOT_CONNECTED"  # no connection was made: the system never got the command
    TIMED_OUT = "TIMED_OUT"  # sent, no answer in time: the system may have it
    UNREADABLE_ANSWER = "UNREADABLE_ANSWER"  # the system answered, the hub could not read the answer
    ANSWERED_FAILURE = "ANSWERED_FAILURE"  # the system answered that it failed on it
    REFUSED = "REFUSED"  # the system refused it in its own words (with its code)


def failure_class_of(exc: BaseException) -> FailureClass | None:
    """The class a gateway marked ``exc`` (or the failure it was raised from) with; None when not marked."""
    for found in (exc, exc.__cause__):
        marked = getattr(found, "failure_class", None)
        if isinstance(marked, FailureClass):
            return marked
    return None
