"""Opening an incident: a work order of ticket type INCIDENT at emergency priority, with the history, deadlines and
creation event any work order has, dispatched at once to NSP as a mass-complaint fault report, and a to-do for the
responsible manager (the emergency flow escalates before any deadline does).

The incident is not a customer's complaint, so it is written here with the store's transaction API rather than by
``engine.create`` (which checks a customer's repeat complaints and tells the creation observers of a complaint);
its dispatch goes through ``engine.act`` like any other, so its history, deadlines, events and observers are the
engine's. Its clock runs on the SLA row of the most urgent tier (``emergency_tier``), recorded as its tier.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from hub.workflow import events
from hub.workflow.commands import ActionRequest, Complaint
from hub.workflow.deadlines import TimingFacts, compute_deadlines
from hub.workflow.engine import FollowUp, WorkOrderEngine, WorkOrderRefused
from hub.workflow.incidents.window import PHENOMENON_LENGTH
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.schedule import deadline_rows
from hub.workflow.sla import Escalation, SlaTable
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.queries import load_work_order, new_work_order_view
from hub.workflow.taxonomy.templates import DispatchTemplate

__all__ = ["EMERGENCY_PRIORITY", "IncidentFacts", "create_incident", "dispatch_fields", "dispatch_incident",
           "emergency_tier", "manager_todo"]

log = logging.getLogger("onepoint.workflow.incidents")

EMERGENCY_PRIORITY = 1
NETWORK_DESK = "NMC"  # where an incident goes when its phenomenon's own target is not reached through NSP
S = WorkOrderState


def emergency_tier(sla: SlaTable) -> str:
    """The tier whose SLA row an incident's clock runs on: priority 1 with the shortest reply limit."""
    rows = sorted(sla.rows.values(), key=lambda row: (row.priority, row.reply, row.first_response, row.tier))
    return rows[0].tier if rows else sla.unknown.tier


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What opened the incident: the complaint that crossed the threshold, the window's count and length, and the
    window's complaints (oldest first, the crossing one among them)."""

    complaint: Complaint
    count: int
    window_minutes: float
    complaints: Sequence[Mapping[str, Any]]

    @property
    def first(self) -> Mapping[str, Any]:
        return self.complaints[0] if self.complaints else {}

    @property
    def description(self) -> str:
        c = self.complaint
        minutes = f"{self.window_minutes:g}"
        return (f"Mass complaint: {self.count} complaints of \"{c.phenomenon}\" ({c.category_code}) taken at "
                f"{c.intake} within {minutes} minutes. Emergency flow: one fault report for all of them; the "
                f"complaints are this incident's children and are answered with its resolution.")[:2000]


def create_incident(tx: WorkOrderTransaction, engine: WorkOrderEngine, facts: IncidentFacts,
                    now: datetime) -> tuple[dict[str, Any], list[HistoryEntry]]:
    """Insert the incident (ACCEPTED, priority 1) with its history, deadlines and creation event; returns its row
    and history (what ``engine.act(view=)`` acts on)."""
    complaint, first = facts.complaint, facts.first
    phenomenon = complaint.category_code[:PHENOMENON_LENGTH]  # the window's key: a refinement counts with it
    tier = emergency_tier(engine.sla)
    owner = engine.settings.intake_department
    timing = TimingFacts(created_at=now, tier=tier, department=owner)
    deadlines = compute_deadlines(timing, engine.sla, engine.calendars)
    occurred = min((c["occurred_at"] for c in facts.complaints if c.get("occurred_at") is not None),
                   default=complaint.occurred_at)
    row: dict[str, Any] = {
        "channel": complaint.channel, "msisdn": first.get("msisdn") or complaint.msisdn,
        "contact_number": first.get("contact_number") or complaint.contact_number,
        "category_code": phenomenon, "phenomenon": engine.taxonomy.category(phenomenon).name,
        "description": facts.description, "occurred_at": occurred,
        "location": first.get("location") or complaint.location, "area_code": complaint.area_code,
        "district": complaint.district, "taken_by": "hub", "tier": tier, "priority": EMERGENCY_PRIORITY,
        "state": S.ACCEPTED.value, "owner": owner, "ticket_type": "INCIDENT", "intake_point": complaint.intake,
        "escalation_level": 0, "created_at": now, "updated_at": now,
        "first_response_due": deadlines.first_response.due.at, "reply_due": deadlines.reply.due.at,
        "return_visit_due": None, "sla_version": deadlines.sla_version,
        "calendar_version": deadlines.calendar_version,
    }
    note = f"mass complaint: {facts.count} complaints at {complaint.intake} within {facts.window_minutes:g} min"
    history = [
        HistoryEntry(at=now, kind="state", actor="hub", system="HUB", action="CREATE", to_state=S.NEW.value,
                     note=note, message_id=complaint.message_id),
        HistoryEntry(at=now, kind="state", actor="hub", system="HUB", action=LifecycleAction.ACCEPT.value,
                     from_state=S.NEW.value, to_state=S.ACCEPTED.value,
                     note=f"incident: emergency priority {EMERGENCY_PRIORITY}", message_id=complaint.message_id),
    ]
    row["id"] = tx.insert_work_order(row, history=history, id_zone=engine.settings.local_zone,
                                      id_key=f"{complaint.message_id}:incident", id_at=now)
    tx.replace_deadlines(row["id"], deadline_rows(deadlines, timing, engine.sla, engine.calendars,
                                                  state=S.ACCEPTED, fired=()))
    event_id = str(uuid.uuid4())
    document = events.event_document(event_id, events.CREATE, row, now, repeat_complaint=False)
    tx.add_event(row["id"], events.CREATE, json.dumps(document, ensure_ascii=False), at=now, event_id=event_id)
    return row, history


def _placeholder(template: DispatchTemplate, given: dict[str, str], row: Mapping[str, Any],
                 zone: tzinfo) -> dict[str, str]:
    """A value of each template field the complaints did not give, of the field's type (patterned ones aside). The
    incident's fault time is written in the operator's ``zone``: a template's time without an offset is read there
    (``dispatch_effects.fault_time``), as the month is the operator's."""
    occurred: datetime = row["occurred_at"].astimezone(zone)
    values = {"text": f"mass complaint at {row['intake_point']}: see the description", "msisdn": row["msisdn"],
              "phone": row["contact_number"] or row["msisdn"], "datetime": occurred.strftime("%Y-%m-%d %H:%M"),
              "month": occurred.strftime("%Y%m"), "amount": "0.00"}
    filled: dict[str, str] = {}
    for spec in template.fields:
        value = (given.get(spec.name) or "").strip()
        if value and spec.problem(spec.normal(value), typed=value) is None:
            continue
        if spec.choices:
            filled[spec.name] = spec.choices[0]
        elif spec.pattern is None and spec.type in values:
            filled[spec.name] = values[spec.type]
    return filled


def dispatch_fields(engine: WorkOrderEngine, row: Mapping[str, Any], facts: IncidentFacts) -> dict[str, str]:
    """The fault report's fields: what the complaints gave (the first value of each), the incident's own, and a
    typed placeholder for the rest of the template."""
    given: dict[str, str] = {}
    for complaint in facts.complaints:
        for name, value in json.loads(complaint.get("dispatch_fields") or "{}").items():
            given.setdefault(name, str(value))
    for name, value in facts.complaint.dispatch_fields.items():
        given.setdefault(name, value)
    given.update(msisdn=row["msisdn"], contact_number=row["contact_number"] or row["msisdn"])
    given.setdefault("fault_place", row["location"] or row["intake_point"])
    given.setdefault("terminal_type", "various terminals")
    template = engine.taxonomy.phenomenon(row["category_code"])
    return {**given, **_placeholder(template, given, row, engine.settings.local_zone)}


def dispatch_incident(tx: WorkOrderTransaction, engine: WorkOrderEngine, row: dict[str, Any],
                      history: Sequence[HistoryEntry], facts: IncidentFacts, now: datetime) -> list[FollowUp]:
    """Dispatch the incident to NSP at once (a mass-complaint fault report: MassComplaint, ComplaintCount); a
    dispatch the template refuses leaves it ACCEPTED for the manager's to-do. Returns the follow-ups."""
    template = engine.taxonomy.phenomenon(row["category_code"])
    department = template.target.code if template.target.system == "NSP" else NETWORK_DESK
    request = ActionRequest(row["id"], LifecycleAction.DISPATCH, "hub", "HUB",
                            {"Note": f"mass complaint: {facts.count} complaints, fault report to NSP",
                             "ToSystem": "NSP", "ToDepartment": department},
                            dispatch_fields(engine, row, facts), message_id=facts.complaint.message_id)
    try:
        with tx.savepoint():
            changed = engine.act(tx, request, now, view=new_work_order_view(row, history))
    except WorkOrderRefused as exc:
        log.warning("incident not dispatched", extra={"work_order_id": row["id"], "reason": str(exc)})
        return []
    row.update(changed.row)
    mass = {"mass_complaint": True, "complaint_count": facts.count}
    return [FollowUp(f.kind, f.work_order, {**f.details, **mass}) if f.kind == "nsp-dispatch" else f
            for f in changed.follow_ups]


# the domain's emergency flow: "fault report plus a phone call to the handling department"
_CALL_THEM = "Phone the handling department ({}) now: the fault report alone is not enough for an emergency."


def manager_todo(tx: WorkOrderTransaction, engine: WorkOrderEngine, row: dict[str, Any], facts: IncidentFacts,
                 now: datetime) -> FollowUp:
    """The emergency flow's to-do for the first role of the incident's escalation chain: the incident is escalated
    to level 1 at once, as a breach would (``WorkOrderEngine.escalate_on_breach``: an ``ESCALATE`` field entry,
    counted as the incident's escalation, the level the to-do's id names), so the manager's CompleteTodo is taken
    like any escalation to-do's."""
    chain = engine.sla.row(row["tier"]).escalation
    manager = chain[0] if chain else engine.settings.intake_department
    reason = (f"Incident {row['id']}: {facts.count} complaints of {row['phenomenon']} at {row['intake_point']} "
              f"within {facts.window_minutes:g} minutes; state {row['state']}. {_CALL_THEM.format(row['owner'])}")
    view = load_work_order(tx.db, row["id"], for_update=True)
    if view is None:  # written in this transaction a moment ago
        raise LookupError(f"incident {row['id']} is not in its own transaction")
    (follow_up,) = engine.escalate_on_breach(tx, view, Escalation(1, manager), reason, now)
    row.update(follow_up.work_order)
    return follow_up
