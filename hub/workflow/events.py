"""The work-order events the hub delivers to registered listeners, in TMF621 Trouble Ticket's shape.

Each change writes its events to the outbox in the transaction of the change (``WorkOrderEngine``): a creation
``TroubleTicketCreateEvent``; every state change ``TroubleTicketStatusChangeEvent``, followed in the same
transaction by ``TroubleTicketInformationRequiredEvent`` (PEND, REQUEST_INFO), ``TroubleTicketResolvedEvent``
(REPLY, AUTO_ANSWER) or ``TroubleTicketCloseEvent`` (CLOSE, CANCEL); a change that is no state change (an
escalation on a breach: the level rises) ``TroubleTicketAttributeValueChangeEvent``. The document is TMF621's
event envelope::

    {"eventId": "…", "eventTime": "…", "eventType": "TroubleTicketStatusChangeEvent",
     "event": {"troubleTicket": {"id": "WO…", "status": "inProgress", "state": "IN_PROGRESS", …}}}

``eventId`` is the outbox row's id, the same on every redelivery. The customer's number is personal data: only its
last four digits travel (``relatedParty``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.observability import mask_msisdn
from hub.workflow.lifecycle import TMF621_STATUS, LifecycleAction, WorkOrderState

__all__ = ["ATTRIBUTE_VALUE_CHANGE", "CLOSE", "CREATE", "EVENT_TYPES", "INFORMATION_REQUIRED", "RESOLVED",
           "STATUS_CHANGE", "event_document", "events_of_action", "masked_number", "trouble_ticket"]

CREATE = "TroubleTicketCreateEvent"
STATUS_CHANGE = "TroubleTicketStatusChangeEvent"
INFORMATION_REQUIRED = "TroubleTicketInformationRequiredEvent"
RESOLVED = "TroubleTicketResolvedEvent"
CLOSE = "TroubleTicketCloseEvent"
ATTRIBUTE_VALUE_CHANGE = "TroubleTicketAttributeValueChangeEvent"
EVENT_TYPES = (CREATE, STATUS_CHANGE, INFORMATION_REQUIRED, RESOLVED, CLOSE, ATTRIBUTE_VALUE_CHANGE)

A = LifecycleAction
_AFTER_STATUS_CHANGE: dict[LifecycleAction, str] = {
    A.PEND: INFORMATION_REQUIRED, A.REQUEST_INFO: INFORMATION_REQUIRED,
    A.REPLY: RESOLVED, A.AUTO_ANSWER: RESOLVED,
    A.CLOSE: CLOSE, A.CANCEL: CLOSE,
}


def events_of_action(action: LifecycleAction) -> list[str]:
    """The event types a state change by ``action`` writes, in order."""
    extra = _AFTER_STATUS_CHANGE.get(action)
    return [STATUS_CHANGE] if extra is None else [STATUS_CHANGE, extra]


def masked_number(number: str | None) -> str | None:
    """All but the last four digits hidden: ``*******8000``."""
    if not number:
        return None
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _time(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _masked_text(value: Any) -> Any:
    return mask_msisdn(value) if isinstance(value, str) else value


def trouble_ticket(row: Mapping[str, Any]) -> dict[str, Any]:
    """The work order as a TMF621 TroubleTicket (our state beside TMF621's status; extensions in camel case)."""
    state = WorkOrderState(row["state"])
    ticket: dict[str, Any] = {
        "id": row["id"],
        "ticketType": "complaint",
        "status": TMF621_STATUS[state],
        "state": state.value,
        "priority": None if row.get("priority") is None else str(row["priority"]),
        "channel": {"name": row.get("channel")},
        "category": row.get("category_code"),
        "name": _masked_text(row.get("phenomenon")),  # free text a desk may write a number into
        "area": {"areaCode": row.get("area_code"), "district": _masked_text(row.get("district"))},
        "owner": row.get("owner"),
        "tier": row.get("tier"),
        "escalationLevel": int(row.get("escalation_level") or 0),
        "creationDate": _time(row.get("created_at")),
        "lastUpdate": _time(row.get("updated_at")),
        "expectedResolutionDate": _time(row.get("reply_due")),
        "relatedParty": [{"role": "customer", "id": masked_number(row.get("msisdn"))}],
    }
    if row.get("satisfaction"):
        ticket["satisfaction"] = row["satisfaction"]
    return ticket


def event_document(event_id: str, event_type: str, row: Mapping[str, Any], at: datetime, *,
                   repeat_complaint: bool | None = None, attribute_change: Mapping[str, Any] | None = None,
                   **details: Any) -> dict[str, Any]:
    """The event as delivered: TMF621's envelope around the trouble ticket. ``details`` (the action, the previous
    state, the reason) go into the ticket as ``statusChange``; ``attribute_change`` (which attribute, why) as
    ``attributeValueChange``."""
    ticket = trouble_ticket(row)
    if repeat_complaint is not None:
        ticket["repeatComplaint"] = repeat_complaint
    if attribute_change:
        ticket["attributeValueChange"] = {k: mask_msisdn(v) if isinstance(v, str) else v
                                          for k, v in attribute_change.items() if v is not None}
    if details:
        ticket["statusChangeDate"] = at.isoformat()
        ticket["statusChange"] = {k: mask_msisdn(v) if isinstance(v, str) else v for k, v in details.items()
                                  if v is not None}  # a reason may quote a number
    return {"eventId": event_id, "eventTime": at.isoformat(), "eventType": event_type,
            "event": {"troubleTicket": ticket}}
