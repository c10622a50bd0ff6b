"""The outbox events of a work order's change (``hub.workflow.events``: their kinds and documents), written in the
change's transaction, in order: a creation's, an action's and a breach's (``WorkOrderEngine``), each with a fresh
``eventId``, which every redelivery keeps.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.store import WorkOrderTransaction

__all__ = ["add_events"]

# built once (json.dumps builds an encoder per call when given options)
_EVENT_JSON = json.JSONEncoder(ensure_ascii=False).encode


def add_events(tx: WorkOrderTransaction, row: Mapping[str, Any], kinds: Sequence[str], now: datetime,
               attribute_change: Mapping[str, Any] | None = None, **details: Any) -> None:
    """The outbox events of a change (``hub.workflow.events``), written in its transaction, in order."""
    for kind in kinds:
        event_id = str(uuid.uuid4())
        document = events.event_document(event_id, kind, row, now, attribute_change=attribute_change, **details)
        tx.add_event(row["id"], kind, _EVENT_JSON(document), at=now, event_id=event_id)
