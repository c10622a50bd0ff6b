"""The outbox events of a work order's change (``hub.workflow.events``: their kinds and documents), written in the
change's transaction, in order: a creation's, an action's and a breach's (``WorkOrderEngine``), each with a fresh
``eventId``, which every redelivery keeps. A change of the ticket's tier, priority or expected resolution date
outside any action (the tier recheck, a recalculation: ``recalculation.recompute``) is one
``TroubleTicketAttributeValueChangeEvent`` naming the fields that changed (``add_timing_change_event``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.store import WorkOrderTransaction

__all__ = ["TIMING_FIELDS", "add_events", "add_timing_change_event"]

# built once (json.dumps builds an encoder per call when given options)
_EVENT_JSON = json.JSONEncoder(ensure_ascii=False).encode


def add_events(tx: WorkOrderTransaction, row: Mapping[str, Any], kinds: Sequence[str], now: datetime,
               attribute_change: Mapping[str, Any] | None = None, **details: Any) -> None:
    """The outbox events of a change (``hub.workflow.events``), written in its transaction, in order."""
    for kind in kinds:
        event_id = str(uuid.uuid4())
        document = events.event_document(event_id, kind, row, now, attribute_change=attribute_change, **details)
        tx.add_event(row["id"], kind, _EVENT_JSON(document), at=now, event_id=event_id)


# the ticket's fields a tier or deadline recomputation may change, in the order an event names them
TIMING_FIELDS = ("tier", "priority", "expectedResolutionDate")


def add_timing_change_event(tx: WorkOrderTransaction, before: Mapping[str, Any], after: Mapping[str, Any],
                            now: datetime, reason: str) -> bool:
    """The ``TroubleTicketAttributeValueChangeEvent`` of a recomputation that took the work order from ``before``
    to ``after`` (its rows): ``fieldPath`` the changed fields of ``TIMING_FIELDS`` (comma-separated),
    ``previousValue`` and ``value`` each field's, as the ticket shows it. Nothing changed a listener sees: no event
    (False)."""
    old, new = events.trouble_ticket(before), events.trouble_ticket(after)
    changed = [name for name in TIMING_FIELDS if old[name] != new[name]]
    if not changed:
        return False
    add_events(tx, after, [events.ATTRIBUTE_VALUE_CHANGE], now, attribute_change={
        "fieldPath": ",".join(changed), "previousValue": {name: old[name] for name in changed},
        "value": {name: new[name] for name in changed}, "reason": reason})
    return True
