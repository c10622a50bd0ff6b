"""``onepoint demo``: the whole system started privately in this process, a scripted scenario that touches every
flow played through the hub's real SOAP and XML ingresses, and a timeline of who got what, when, and how long each
hop took, then a summary.

``DemoStage`` starts the system (hub, in-process workers, the six emulators; fresh queue prefix, temporary
files); ``FLOWS`` are the plays; ``run_demo`` runs them and collects the timeline (``events``); ``report`` shows it.
The complaints the operator's rules act on are the simulator's (``ProvinceDay``: built by ``onepoint demo`` from
``hub.simulate``, which this package may not import).
"""

from hub.demo.day import SEED, DayComplaint, DayOutage, ProvinceDay, WorkOrderMaker
from hub.demo.events import Event, HubTap, system_events
from hub.demo.flows import FLOWS, Flow
from hub.demo.report import as_json, print_report
from hub.demo.runner import DemoRun, FlowResult, run_demo
from hub.demo.scene import FlowFailed, Scene
from hub.demo.stage import DemoStage, StageError

__all__ = [
    "FLOWS",
    "SEED",
    "DayComplaint",
    "DayOutage",
    "DemoRun",
    "DemoStage",
    "Event",
    "Flow",
    "FlowFailed",
    "FlowResult",
    "HubTap",
    "ProvinceDay",
    "Scene",
    "StageError",
    "WorkOrderMaker",
    "as_json",
    "print_report",
    "run_demo",
    "system_events",
]
