"""A request's fingerprint, kept with its recorded answer: a message id reused for another request is refused.

The message id is the idempotency key (``hub.envelope``): the same id must mean the same command. A redelivered
or re-sent request gets its recorded answer again, but only if it is the same request: same source system,
same command, same document (a SHA-256 over the three). A request that reuses an id for anything else (another
number, another operator, another command) is answered with the ``c:Error`` ``message-id-reused``, so a
recorded answer never reaches a request it was not made for and the new one is neither authorized nor
audited on the strength of the old one's record.

The fingerprint travels inside the recorded answer (``seal``): a prefix no XML document can start with, so
every processed store keeps it without a column of its own, and an answer recorded without one is given back as
it is.
"""

from __future__ import annotations

from hub.envelope import HUB_SYSTEM, Envelope
from hub.workers.reply import error_document

__all__ = ["MESSAGE_ID_REUSED", "answer_for", "request_fingerprint", "seal", "unseal"]

MESSAGE_ID_REUSED = "message-id-reused"
_MARK = b"\x00request-sha256:"  # no XML document starts with a NUL byte
_DIGEST_LENGTH = 64  # hex characters


def request_fingerprint(envelope: Envelope) -> bytes:
    return envelope.fingerprint().encode()


def seal(answer: bytes | None, envelope: Envelope) -> bytes | None:
    """The answer to record: ``answer`` behind the fingerprint of the request it answers."""
    if answer is None:
        return None
    return _MARK + request_fingerprint(envelope) + b"\n" + answer


def unseal(recorded: bytes) -> tuple[bytes | None, bytes]:
    """(the fingerprint, the answer) of a recorded answer; (None, it) for one recorded without a fingerprint."""
    if not recorded.startswith(_MARK):
        return None, recorded
    start = len(_MARK)
    return recorded[start:start + _DIGEST_LENGTH], recorded[start + _DIGEST_LENGTH + 1:]


def answer_for(envelope: Envelope, recorded: bytes | None) -> tuple[bytes | None, bool]:
    """What a request gets from a recorded answer, and whether its id was reused: the answer if it was recorded
    for this very request, the ``c:Error`` ``message-id-reused`` if it was recorded for another one."""
    if recorded is None:
        return None, False
    fingerprint, answer = unseal(recorded)
    if fingerprint is None or envelope.source_system == HUB_SYSTEM:  # the hub's own: a re-run is the same request
        return answer, False
    if fingerprint == request_fingerprint(envelope):
        return answer, False
    return error_document(MESSAGE_ID_REUSED, f"message id {envelope.message_id} was already used for another "
                                             f"request; the same id must carry the same document: send a new id"), True
