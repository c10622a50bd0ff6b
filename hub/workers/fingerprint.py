"""A message's fingerprint, kept with its processed record: a message id reused for another message is refused.

The source system and the message id are the idempotency key (``hub.envelope``, ``hub.store.keys``): the same id
from the same system must mean the same command (another system's id is another message). A redelivered
or re-sent message is a duplicate only if it is the same message: same source system, same command, same
document with its ``SentAt`` left out (``Envelope.fingerprint``, a SHA-256 over the three). A request that reuses
an id for anything else (another number, another operator, another command) is answered with the ``c:Error``
``message-id-reused``, so a recorded answer never reaches a request it was not made for and the new one is
neither authorized nor audited on the strength of the old one's record. A command that does is dead-lettered
with that reason instead of being dropped as the first one's duplicate: the ingress refuses both with 409 when it
saw the first, and this covers what reaches a worker another way (another hub process behind the same address,
a hub restarted since, a replay).

The fingerprint travels inside the recorded answer (``seal``; a command's answer is empty): a prefix no XML
document can start with, so every processed store keeps it without a column of its own, and an answer recorded
without one is given back as it is. An audited request's answer (`hub.validation.audited`: personal data) is
never kept: its record holds the fingerprint alone (``_UNKEPT``), and a repeat of it is run again
(``answered_unkept``), authorized and audited again by its handler. So is a repeat of a read (a handler registered
``reads``), whatever its record holds: a release before migration 0008 kept reads' answers whole. The hub's own
messages (source ``HUB``, ids derived from their cause and step) are never taken for reuse: a re-run builds them
again with new times. A store that caps what it keeps of answers (``ProcessedStore.keeps_fingerprints`` false: the
in-process memory store, whose ingress in the same process refuses reused ids already) keeps none for commands.
"""

from __future__ import annotations

from hub.envelope import HUB_SYSTEM, Envelope
from hub.workers.errors import PermanentError
from hub.workers.reply import error_document

__all__ = ["MESSAGE_ID_REUSED", "answer_for", "answered_unkept", "request_fingerprint", "reused_id_error", "seal",
           "unkept", "unseal"]

MESSAGE_ID_REUSED = "message-id-reused"
_MARK = b"\x00doc-sha256:"  # no XML document starts with a NUL byte
_UNKEPT = b"\x00unkept-sha256:"  # the fingerprint of a request answered, its answer not kept
_OLDER_MARKS = (b"\x00request-sha256:", b"\x00c14n-sha256:")  # digests of other kinds: read as no fingerprint
_DIGEST_LENGTH = 64  # hex characters


def request_fingerprint(envelope: Envelope) -> bytes:
    return envelope.fingerprint().encode()


def seal(answer: bytes | None, envelope: Envelope, *, commands: bool = True, kept: bool = True) -> bytes | None:
    """The answer to record: ``answer`` (empty for a command) behind the fingerprint of the message it answers.
    None for a command of the hub's own, or for any command when ``commands`` is false. Not ``kept`` (an
    audited request's): the fingerprint alone."""
    if envelope.source_system == HUB_SYSTEM:  # never taken for reuse (``answer_for``): nothing to keep
        return answer if kept else None
    if answer is None and not commands:
        return None
    if not kept and answer is not None:
        return _UNKEPT + request_fingerprint(envelope)
    return _MARK + request_fingerprint(envelope) + b"\n" + (answer or b"")


def unkept(recorded: bytes | None) -> bytes | None:
    """A sealed answer's record when the answer need not be kept (a read's, answered afresh on a repeat): its
    fingerprint alone, as ``seal`` keeps an audited request's. One without a fingerprint stays as it is."""
    if recorded is None or not recorded.startswith(_MARK):
        return recorded
    start = len(_MARK)
    return _UNKEPT + recorded[start:start + _DIGEST_LENGTH]


def unseal(recorded: bytes) -> tuple[bytes | None, bytes]:
    """(the fingerprint, the answer) of a recorded answer; (None, it) for one recorded without a fingerprint."""
    for older in _OLDER_MARKS:  # another kind of digest: taken as none (the answer, as for any retry)
        if recorded.startswith(older):
            return None, recorded[len(older) + _DIGEST_LENGTH + 1:]
    if recorded.startswith(_UNKEPT):
        return recorded[len(_UNKEPT):len(_UNKEPT) + _DIGEST_LENGTH], b""
    if not recorded.startswith(_MARK):
        return None, recorded
    start = len(_MARK)
    return recorded[start:start + _DIGEST_LENGTH], recorded[start + _DIGEST_LENGTH + 1:]


def answer_for(envelope: Envelope, recorded: bytes | None) -> tuple[bytes | None, bool]:
    """What a duplicate gets from its recorded answer, and whether its id was reused: the answer if it was
    recorded for this very message (None for a command's empty one), the ``c:Error`` ``message-id-reused`` if it
    was recorded for another one."""
    if recorded is None:
        return None, False
    fingerprint, answer = unseal(recorded)
    if fingerprint is None or envelope.source_system == HUB_SYSTEM:  # the hub's own: a re-run is the same message
        return answer or None, False
    if fingerprint == request_fingerprint(envelope):
        return answer or None, False
    return error_document(MESSAGE_ID_REUSED, f"message id {envelope.message_id} was already used for another "
                                             f"request; the same id must carry the same document: send a new id"), True


def answered_unkept(envelope: Envelope, recorded: bytes | None, *, reads: bool = False) -> bool:
    """Whether ``recorded`` says this very request was answered and its answer not kept: a repeat runs again.
    A request that only ``reads`` (a query) runs again on any record of its own: releases before migration 0008
    kept a read's answer whole (as one without a fingerprint did before), and that answer is stale. Only a record
    whose fingerprint names another request is not its own (``answer_for``: the id was reused)."""
    if recorded is None:
        return False
    if recorded.startswith(_UNKEPT):
        return recorded[len(_UNKEPT):] == request_fingerprint(envelope)
    if not reads:
        return False
    fingerprint, _ = unseal(recorded)
    return (fingerprint is None or envelope.source_system == HUB_SYSTEM
            or fingerprint == request_fingerprint(envelope))


def reused_id_error(envelope: Envelope) -> PermanentError:
    """Why a command under a reused message id is dead-lettered (there is nobody to answer)."""
    return PermanentError(f"{MESSAGE_ID_REUSED}: message id {envelope.message_id} was already processed for another "
                          "command (another document or source system); this one was not carried out")
