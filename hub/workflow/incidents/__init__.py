"""Mass-complaint incidents (issue 13): N complaints of one phenomenon at one intake point open one incident.

* ``window``: the per-key, per-minute complaint counts and the one open incident per key (O(1) per complaint);
* ``rule``: the intake rule (``MassComplaintRule``) that counts, opens and links;
* ``opening``: the incident work order, its NSP fault report and the manager's to-do;
* ``children``: the window's complaints, linking, an incident's children and their count;
* ``resolution``: the observer (``IncidentResolution``) that resolves the children with the incident.

``mass_incident_rules(engine, threshold, window_minutes)`` builds the rule and the observer sharing one window.
See docs/incidents.md.
"""

from __future__ import annotations

from datetime import timedelta

from hub.workflow.engine import WorkOrderEngine
from hub.workflow.incidents.children import child_count
from hub.workflow.incidents.resolution import IncidentResolution
from hub.workflow.incidents.rule import MassComplaintRule
from hub.workflow.incidents.window import ComplaintWindow, window_key

__all__ = ["ComplaintWindow", "IncidentResolution", "MassComplaintRule", "child_count", "mass_incident_rules",
           "window_key"]


def mass_incident_rules(engine: WorkOrderEngine, *, threshold: int,
                        window_minutes: float) -> tuple[MassComplaintRule, IncidentResolution]:
    """The intake rule and the resolution observer of one window length and threshold."""
    window = ComplaintWindow(timedelta(minutes=window_minutes))
    return MassComplaintRule(engine, threshold, window), IncidentResolution(engine, window)
