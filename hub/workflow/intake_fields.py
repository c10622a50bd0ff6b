"""The template fields a complaint carried at intake (CreateWorkOrder's ``wo:Field``) that did not dispatch it.

A complaint whose fields complete its phenomenon's template is dispatched at once (``handlers``); one whose fields
do not is accepted, and its fields were dropped: the agent who dispatched it later was refused
``dispatch-incomplete`` for the very fields the customer had answered. They are now kept in the work order's
history, one field entry each (field ``intake.NAME``, action ``INTAKE_FIELD``, the value as given), followed by one
``DISPATCH_WAITING`` entry listing what the template still needs. A later Dispatch is checked and sent with them
beneath its own fields (the Dispatch's value wins: ``dispatch_effects``). The history shows them in QueryWorkOrder
(the ``WorkOrder`` of workorder.xsd has no element for dispatch fields; CreateWorkOrderResponse says what is
missing in ``DispatchRefused``, or names the open work order it repeats in ``RepeatOf``: ``intake_dispatch``).

Why the history and not the ``dispatch_fields`` column: a work order with ``dispatch_fields`` is a dispatched one
(NSP's reply is taken for it, it is no first-contact resolution, an outage counts it dispatched), and a field entry
of at most 200 characters (``wo:DispatchField``) stays whole in the history where the JSON of 40 might be cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.commands import Complaint
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.store import HistoryEntry, WorkOrderTransaction

__all__ = ["INTAKE_FIELD", "INTAKE_PREFIX", "WAITING", "intake_fields", "keep_intake_fields"]

INTAKE_FIELD = "INTAKE_FIELD"  # the history action of a field kept from intake
INTAKE_PREFIX = "intake."  # its field name: "intake." + the template field's (at most 40 + 7 characters)
WAITING = "DISPATCH_WAITING"  # the history action saying the work order waits for a dispatch, and what it lacks
_CALL_BACK = "contact_number"  # the template field, and the field entry of a dispatch that took it onto the order


def keep_intake_fields(tx: WorkOrderTransaction, work_order_id: str, complaint: Complaint, missing: Sequence[str],
                       at: datetime, *, template: str, waits: bool) -> None:
    """Write the complaint's fields into the work order's history, then (``waits``: no intake rule answered it)
    the entry saying it waits for a Dispatch and which of the template's fields are still missing."""
    actor, system = complaint.taken_by or complaint.source_system, complaint.source_system
    entries = [HistoryEntry(at=at, kind="field", actor=actor, system=system, action=INTAKE_FIELD,
                            field=INTAKE_PREFIX + name, new_value=value, note="given at intake",
                            message_id=complaint.message_id)
               for name, value in complaint.dispatch_fields.items() if name and value]
    if waits and missing:
        entries.append(HistoryEntry(
            at=at, kind="field", actor="hub", system="HUB", action=WAITING, field="dispatch",
            new_value="; ".join(missing), message_id=complaint.message_id,
            note=f"not dispatched at intake: template {template} still needs these; a Dispatch giving them is "
                 f"checked with the {len(entries)} field(s) given at intake"))
    if entries:
        tx.append_history(work_order_id, entries)


def intake_fields(history: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The fields kept from intake, by template field name (a later entry of a name wins). A call-back number
    (``contact_number``) is spent by the first dispatch, whatever it sent: taken onto the work order (its field
    entry ``contact_number``: ``hub.workflow.dispatch_numbers``), or overridden by the dispatch's own (the work
    order's number among them, which writes no entry). A later dispatch giving none sends the work order's."""
    kept: dict[str, str] = {}
    dispatched = False
    for entry in history:
        field = entry.get("field") or ""
        if entry.get("action") == INTAKE_FIELD and field.startswith(INTAKE_PREFIX) and entry.get("new_value"):
            kept[field[len(INTAKE_PREFIX):]] = str(entry["new_value"])
        elif field == _CALL_BACK and entry.get("kind") == "field":
            kept.pop(_CALL_BACK, None)
        elif entry.get("kind") == "state" and entry.get("action") == LifecycleAction.DISPATCH.value:
            dispatched = True
    if dispatched:
        kept.pop(_CALL_BACK, None)
    return kept
