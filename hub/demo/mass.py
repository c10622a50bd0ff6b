"""The mass-complaint play (the operator's second rule, docs/incidents.md), on the simulator's mass complaint: the
day's complaints of one phenomenon at one business hall (CreateWorkOrder's IntakePoint), sent one after another as
the simulator writes them (re-timed to now).

The complaint that brings the count to the workflow's threshold (``[workflow] mass_complaint_threshold`` within
``mass_complaint_window_minutes``) opens one incident: a work order of ticket type INCIDENT at priority 1, its
answer carrying the IncidentId; NSP gets one fault report for it (MassComplaint, ComplaintCount) and the manager an
OA to-do; later complaints are linked on arrival, not dispatched. The complaints taken before the threshold were
complete at intake, so each went to NSP on its own then (as in the simulator's figures); they become the
incident's children too. The incident is read back with QueryWorkOrder (ChildCount).
"""

from __future__ import annotations

import time
from typing import Any

from hub.demo.desk import Answer, WorkOrderDesk
from hub.demo.dispatches import Dispatch, hub_dispatches, nsp_dispatches
from hub.demo.scene import AGENT, FlowFailed, Scene

__all__ = ["mass_complaint"]

EMERGENCY_PRIORITY = "1"


def _threshold(scene: Scene) -> int:
    workflow, complaints = scene.stage.settings.workflow, scene.day.mass_complaints
    if not workflow.mass_incidents:
        raise FlowFailed("the demo's [workflow] has mass_incidents off: no incident can open")
    threshold = workflow.mass_complaint_threshold
    if len(complaints) < threshold:
        raise FlowFailed(f"the simulator's mass complaint has {len(complaints)} complaints, the threshold is "
                         f"{threshold}")
    return threshold


def _ids(answers: list[Answer]) -> list[str]:
    return [a.text("wo:WorkOrderId") for a in answers]


def _incident_opened(answers: list[Answer], threshold: int) -> str:
    """The incident's id: none before the threshold's complaint, the same one in its answer and every later one."""
    before, crossing = answers[:threshold - 1], answers[threshold - 1:]
    early = [a.text("wo:WorkOrderId") for a in before if a.text("wo:IncidentId")]
    if early:
        raise FlowFailed(f"an incident opened before complaint #{threshold}: {', '.join(early)}")
    incidents = {a.text("wo:IncidentId") for a in crossing}
    if len(incidents) != 1 or "" in incidents:
        raise FlowFailed(f"complaints #{threshold} and later name the incidents {sorted(incidents)}, expected one")
    dispatched = [a.text("wo:WorkOrderId") for a in crossing if a.state == "DISPATCHED"]
    if dispatched:
        raise FlowFailed(f"complaints linked to the incident were dispatched on their own: {', '.join(dispatched)}")
    return incidents.pop()


def _incident(desk: WorkOrderDesk, incident_id: str, children: int) -> Answer:
    incident = desk.look(incident_id, "the incident")
    kind, priority = incident.text("wo:WorkOrder/wo:TicketType"), incident.text("wo:WorkOrder/wo:Priority")
    count = incident.text("wo:WorkOrder/wo:ChildCount")
    if (kind, priority, count) != ("INCIDENT", EMERGENCY_PRIORITY, str(children)):
        raise FlowFailed(f"{incident_id} is {kind} at priority {priority} with {count or 'no'} children; expected "
                         f"INCIDENT at priority {EMERGENCY_PRIORITY} with {children}")
    return incident


def _fault_report(scene: Scene, since: float, incident_id: str, answers: list[Answer],
                  threshold: int) -> tuple[Dispatch, list[Dispatch]]:
    """NSP's one fault report for the incident, and the dispatches of complaints taken before the threshold."""
    dispatches = nsp_dispatches(scene, since)
    sent = hub_dispatches(scene, since)
    if sent != len(dispatches):
        raise FlowFailed(f"the hub sent {sent} dispatches, NSP got {len(dispatches)}")
    reports = [d for d in dispatches if d.mass_complaint]
    if [(d.work_order_id, d.complaint_count, d.priority) for d in reports] != [(incident_id, threshold, 1)]:
        raise FlowFailed(f"NSP's fault reports: {reports}; expected one for {incident_id} standing for {threshold} "
                         "complaints at priority 1")
    linked_on_arrival = set(_ids(answers[threshold - 1:]))
    before = set(_ids(answers[:threshold - 1]))
    strays = [d.work_order_id for d in dispatches if d.work_order_id in linked_on_arrival
              or d.work_order_id not in before | {incident_id}]
    if strays:
        raise FlowFailed(f"dispatched besides the fault report and the complaints before it: {', '.join(strays)}")
    own = [d for d in dispatches if d.work_order_id in before]
    scene.note("NSP", "the demo (looked)", "journal",
               f"1 fault report {incident_id} (MassComplaint, ComplaintCount {threshold}, priority 1); "
               f"{len(own)} dispatch(es) of complaints taken before it; none of the {len(linked_on_arrival)} "
               "linked on arrival")
    return reports[0], own


def _manager_todo(scene: Scene, incident_id: str) -> dict[str, Any]:
    def todo() -> dict[str, Any] | None:
        return next((item for item in scene.admin("oa").state()["items"]
                     if item["work_order_id"] == incident_id and item["inbox"] == "todo"), None)

    found: dict[str, Any] = scene.wait(todo, f"the manager's OA to-do for {incident_id}")
    scene.note("OA inbox", "the demo (looked)", "to-do", f"{found['item_id']} for {found['user_id']}: "
               f"{found['title']}")
    return found


def mass_complaint(scene: Scene) -> str:
    threshold, complaints = _threshold(scene), scene.day.mass_complaints
    desk = WorkOrderDesk(scene, AGENT)
    since = time.time()
    answers = [desk.take(c, f"#{n} of {len(complaints)} ({c.at:%H:%M})") for n, c in enumerate(complaints, 1)]
    incident_id = _incident_opened(answers, threshold)
    scene.wait(lambda: scene.settled(since), "the hub's dispatches to NSP and the manager's to-do in OA")
    incident = _incident(desk, incident_id, len(answers))
    first = desk.look(answers[0].text("wo:WorkOrderId"), "a complaint taken before the threshold")
    if first.text("wo:WorkOrder/wo:IncidentId") != incident_id:
        raise FlowFailed(f"{answers[0].text('wo:WorkOrderId')} is not linked to {incident_id}")
    report, own = _fault_report(scene, since, incident_id, answers, threshold)
    todo = _manager_todo(scene, incident_id)
    first_complaint = complaints[0]
    scene.facts.update(
        incident_id=incident_id, ticket_type=incident.text("wo:WorkOrder/wo:TicketType"),
        priority=int(incident.text("wo:WorkOrder/wo:Priority")),
        child_count=int(incident.text("wo:WorkOrder/wo:ChildCount")), threshold=threshold,
        intake_point=scene.day.mass_intake_point, category=first_complaint.category, seed=scene.day.seed,
        complaints=[{"work_order_id": a.text("wo:WorkOrderId"), "at_intake": a.state,
                     "answer_incident_id": a.text("wo:IncidentId") or None} for a in answers],
        fault_reports=[{"work_order_id": report.work_order_id, "complaint_count": report.complaint_count}],
        dispatched_before_threshold=[d.work_order_id for d in own], oa_todo=todo["item_id"], manager=todo["user_id"])
    last = len(answers)
    linked = f"{_numbers(threshold + 1, last)} linked on arrival" if last > threshold else "none came after it"
    before = (f" ({len(own)} of {_numbers(1, threshold - 1)}, complete at intake, had gone out on their own "
              "before the threshold)") if threshold > 1 else ""
    return (f"{last} complaints of {first_complaint.phenomenon.lower()} ({first_complaint.category}) at "
            f"{scene.day.mass_intake_point} from the simulator's day (seed {scene.day.seed}): #{threshold} opened "
            f"incident {incident_id} (INCIDENT, priority 1, {last} children), {linked}; NSP got 1 fault report "
            f"(MassComplaint, {threshold} complaints) and no dispatch of {_numbers(threshold, last)}{before}; "
            f"OA to-do for {todo['user_id']}")


def _numbers(first: int, last: int) -> str:
    return f"#{first}" if first == last else f"#{first}-#{last}"
