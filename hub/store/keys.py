"""The key a worker claims a message under in its processed-message store, and the key it had before.

A message takes effect once per consumer, source system and message id: ``"<consumer>:<source>/<message id>"``
(``processed_key``). The source system is the authenticated caller's (the ingress refuses a document naming
another), so the same MessageId sent by two systems is two messages, and no system can use up another's ids.

Records written before the source was part of the key are ``"<consumer>:<message id>"``. While the retention
keeps them (``[workflow] keep_processed_days``, the stores' ``keep_days``), a claim also looks the key up the
message had then (``former_key``): a record there is this message's (no effect done twice across the upgrade).
Such a record does not say which system sent it, so until it is purged it stands for every system's message of
that id, as it did before. The two forms never collide: a MessageId (``c:MessageId``, schemas/common.xsd) and a
source system never hold a ``/``, so a key with one is of the new form and one without is former (or a key a
caller of the store chose itself, which has no former form).
"""

from __future__ import annotations

__all__ = ["former_key", "message_key", "processed_key"]

_SOURCE_END = "/"  # after the source system; neither a MessageId nor a SystemCode holds one


def processed_key(consumer: str, source_system: str, message_id: str) -> str:
    """The key of ``message_id`` sent by ``source_system``, taking effect in ``consumer``."""
    return f"{consumer}:{source_system}{_SOURCE_END}{message_id}"


def message_key(source_system: str, message_id: str) -> str:
    """The key ``hub.store.process_once`` / ``process_batch_once`` claim a message under, which name no consumer:
    ``"<source>/<message id>"`` (the message's ``app_id``), the bare MessageId for a message that names no source.
    A record of an earlier release, under the bare MessageId, is not looked for: drain the queues of such consumers
    before the update."""
    return f"{source_system}{_SOURCE_END}{message_id}" if source_system else message_id


def former_key(key: str) -> str | None:
    """The key the same message was recorded under before the source system was part of it (``"<consumer>:<message
    id>"``); None for a key that is not ``processed_key``'s."""
    consumer, colon, rest = key.partition(":")
    _source, slash, message_id = rest.partition(_SOURCE_END)
    if not colon or not slash or not message_id or ":" in _source:
        return None
    return f"{consumer}:{message_id}"
