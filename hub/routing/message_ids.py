"""The identity of a command a handler sends: its message id *derived* from the causing message (with the system
that sent it, as the processed key has it), the consumer and the step (``derive_message_id``: a handler run again on
the same message sends the same ids, and the downstream consumers' processed store drops the copies), and its
Header's MessageId, SourceSystem and CorrelationId set (``identify_header``, for
``hub.routing.outbound_path.Outbound.envelope``).
"""

from __future__ import annotations

import re
import uuid

from lxml import etree

from hub.validation.namespaces import COMMON_NS

__all__ = ["derive_message_id", "identify_header"]

_IDS = uuid.UUID("5b0f3c8e-8a52-4d0e-9c1e-0e7d7c1f0a10")  # the namespace of derived message ids
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{7,63}")  # c:MessageId in schemas/common.xsd


def derive_message_id(cause_id: str, step: str, consumer: str = "", source_system: str = "") -> str:
    """The message id of what ``consumer`` sends at ``step`` while handling ``cause_id`` sent by ``source_system``:
    always the same. The same MessageId from two systems is two messages (``hub.store.keys``), so their sends get
    ids of their own; ``source_system`` empty gives the ids of before it was part of them (``former`` matches)."""
    cause = f"{source_system}/{cause_id}" if source_system else cause_id
    return uuid.uuid5(_IDS, f"{consumer}\n{cause}\n{step}").hex


_MESSAGE_ID_TAG, _SOURCE_SYSTEM_TAG, _CORRELATION_ID_TAG = (
    f"{{{COMMON_NS}}}{name}" for name in ("MessageId", "SourceSystem", "CorrelationId"))


def identify_header(header: etree._Element, message_id: str, source_system: str, correlation: str) -> None:
    """The Header's MessageId and SourceSystem set, its CorrelationId added after MessageId when it has none and
    ``correlation`` is an id (one pass over the Header; a missing MessageId or SourceSystem is left to validation
    to refuse)."""
    fields: dict[object, etree._Element] = {}
    for child in header:
        fields.setdefault(child.tag, child)
    found = fields.get(_MESSAGE_ID_TAG)
    if found is not None:
        found.text = message_id
        if _CORRELATION_ID_TAG not in fields and _MESSAGE_ID.fullmatch(correlation):
            added = etree.Element(_CORRELATION_ID_TAG)
            added.text = correlation
            found.addnext(added)
    if (found := fields.get(_SOURCE_SYSTEM_TAG)) is not None:
        found.text = source_system
