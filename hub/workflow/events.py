"""The work-order events the hub delivers to registered listeners, in TMF621 Trouble Ticket's shape.

Each change writes its events to the outbox in the transaction of the change (``WorkOrderEngine``): a creation
``TroubleTicketCreateEvent``; every state change ``TroubleTicketStatusChangeEvent``, followed in the same
transaction by ``TroubleTicketInformationRequiredEvent`` (PEND, REQUEST_INFO), ``TroubleTicketResolvedEvent``
(REPLY, AUTO_ANSWER: a Reply's ``Resolved`` as the characteristic ``replyResolved``, ``resolutionDate`` when it
resolved the complaint) or ``TroubleTicketCloseEvent`` (CLOSE, CANCEL: a hub extension TMF621 has not; TMF621
clients have the status change to ``closed`` / ``cancelled``); a change that is no state change (an escalation on a
breach: the level rises; a Remind; a tier, priority or deadline recomputed: ``change_events``)
``TroubleTicketAttributeValueChangeEvent``. The document is TMF621's event envelope::

    {"eventId": "…", "eventTime": "…", "eventType": "TroubleTicketStatusChangeEvent",
     "event": {"troubleTicket": {"id": "WO…", "status": "inProgress", "state": "IN_PROGRESS",
                                 "statusChangeReason": "…", "statusChangeDetail": {"action": …}, …}}}

``eventId`` is the outbox row's id, the same on every redelivery. The customer's number is personal data: only its
last four digits travel (``relatedParty``: ``*******8000``), wherever it is written. The free text (the ticket's
name and district, a status change's reason and detail, an attribute change's values) is masked as ``onepoint
workorders show`` masks it and as the audit rows are: the work order's own numbers (``msisdn``,
``contact_number``: a fixed-line ``0755-83765432`` is no mobile number) to their last four digits however they are
spelt there (``mask_number_in``), then every other mobile number too (``mask_numbers_in``: ``*******5678``), then
every other fixed-line number (``mask_fixed_lines_in``: ``********5432``): a contact number a dispatch replaced is no
longer the row's, and the notes still quote it. No statement is read for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from hub.observability.fixed_lines import mask_fixed_lines_in
from hub.observability.masking import fold, mask_msisdn_tail, mask_number_in, mask_numbers_in
from hub.workflow.lifecycle import TMF621_STATUS, LifecycleAction, WorkOrderState

__all__ = ["ATTRIBUTE_VALUE_CHANGE", "CLOSE", "CREATE", "EVENT_TYPES", "INFORMATION_REQUIRED", "REPLY_RESOLVED",
           "RESOLVED", "STATUS_CHANGE", "event_document", "events_of_action", "masked_number", "resolution",
           "text_masking", "trouble_ticket"]

CREATE = "TroubleTicketCreateEvent"
STATUS_CHANGE = "TroubleTicketStatusChangeEvent"
INFORMATION_REQUIRED = "TroubleTicketInformationRequiredEvent"
RESOLVED = "TroubleTicketResolvedEvent"
CLOSE = "TroubleTicketCloseEvent"  # a hub extension, no TMF621 event type: closing is also the StatusChange
ATTRIBUTE_VALUE_CHANGE = "TroubleTicketAttributeValueChangeEvent"
EVENT_TYPES = (CREATE, STATUS_CHANGE, INFORMATION_REQUIRED, RESOLVED, CLOSE, ATTRIBUTE_VALUE_CHANGE)
REPLY_RESOLVED = "replyResolved"  # the characteristic of a Reply's events: its Resolved

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


_DIGIT = re.compile(r"[0-9]")  # in the folded text (any script's digits, Chinese numerals): none, no number
_OWN_NUMBERS = ("msisdn", "contact_number")  # the work order's numbers: to their last four digits wherever written


def text_masking(row: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A free-text value of ``row``'s event with no more of a number than its last four digits: the work order's
    own numbers however spelt (a fixed-line contact number included), then any other mobile number, then any
    other fixed-line number (a contact number a dispatch replaced: ``mask_fixed_lines_in``); a value that is no
    text is returned as it is."""
    numbers = [str(row[name]) for name in _OWN_NUMBERS if row.get(name)]

    def masked(value: Any) -> Any:
        if not isinstance(value, str) or _DIGIT.search(fold(value)) is None:  # most values hold no digit at all
            return value
        for number in numbers:
            value = mask_number_in(value, number, mask_msisdn_tail(number))
        return mask_fixed_lines_in(mask_numbers_in(value), mask_msisdn_tail)
    return masked


def trouble_ticket(row: Mapping[str, Any]) -> dict[str, Any]:
    """The work order as a TMF621 TroubleTicket (our state beside TMF621's status; extensions in camel case)."""
    state = WorkOrderState(row["state"])
    masked = text_masking(row)
    ticket: dict[str, Any] = {
        "id": row["id"],
        "ticketType": "complaint",
        "status": TMF621_STATUS[state],
        "state": state.value,
        "priority": None if row.get("priority") is None else str(row["priority"]),
        "channel": {"name": row.get("channel")},
        "category": row.get("category_code"),
        "name": masked(row.get("phenomenon")),  # free text a desk may write a number into
        "area": {"areaCode": row.get("area_code"), "district": masked(row.get("district"))},
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


def resolution(action: LifecycleAction, resolved: bool, at: datetime) -> dict[str, Any]:
    """The ticket's fields of the events of a change by ``action`` that say how it was resolved: a Reply's
    ``Resolved`` as the characteristic ``replyResolved`` (``"true"`` / ``"false"``: a reply that did not resolve
    the complaint is REPLIED, TMF621 ``resolved``, too), and ``resolutionDate`` (``at``) when the reply or an
    auto-answer resolved it; nothing for other actions."""
    fields: dict[str, Any] = {}
    if action is A.REPLY:
        fields["characteristic"] = [{"name": REPLY_RESOLVED, "value": "true" if resolved else "false"}]
    if (action is A.REPLY and resolved) or action is A.AUTO_ANSWER:
        fields["resolutionDate"] = at.isoformat()
    return fields


def event_document(event_id: str, event_type: str, row: Mapping[str, Any], at: datetime, *,
                   repeat_complaint: bool | None = None, attribute_change: Mapping[str, Any] | None = None,
                   resolved: Mapping[str, Any] | None = None, **details: Any) -> dict[str, Any]:
    """The event as delivered: TMF621's envelope around the trouble ticket. ``details`` (the action, the previous
    state, the reason) go into the ticket as ``statusChangeDetail``, the reason (else the action's name) also as
    TMF621's ``statusChangeReason``; ``attribute_change`` (which attribute, why) as ``attributeValueChange``;
    ``resolved`` (``resolution``'s fields) as they are."""
    ticket, masked = trouble_ticket(row), text_masking(row)
    if repeat_complaint is not None:
        ticket["repeatComplaint"] = repeat_complaint
    if attribute_change:
        ticket["attributeValueChange"] = {k: masked(v) for k, v in attribute_change.items() if v is not None}
    if resolved:
        ticket.update(resolved)
    if details:
        ticket["statusChangeDate"] = at.isoformat()
        detail = {k: masked(v) for k, v in details.items() if v is not None}  # a reason may quote a number
        reason = detail.get("reason") or detail.get("action")
        if reason is not None:
            ticket["statusChangeReason"] = reason
        ticket["statusChangeDetail"] = detail  # not ``statusChange``: TMF621 v4's StatusChange[] array
    return {"eventId": event_id, "eventTime": at.isoformat(), "eventType": event_type,
            "event": {"troubleTicket": ticket}}
