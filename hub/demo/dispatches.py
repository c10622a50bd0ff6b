"""What went to the network centre: the NetworkComplaintDispatch documents the NSP emulator received (its journal,
read back whole), and the dispatches the hub's handlers sent (the tap). The outage and mass plays check with them
which complaints reached NSP and which did not."""

from __future__ import annotations

from dataclasses import dataclass

from hub.demo.documents import read_xml
from hub.demo.scene import FlowFailed, Scene

__all__ = ["DISPATCH", "Dispatch", "hub_dispatches", "nsp_dispatches"]

DISPATCH = "nsp.NetworkComplaintDispatch"
NSP = "urn:onepoint:nsp:1"


@dataclass(frozen=True, slots=True)
class Dispatch:
    """One dispatch as NSP got it: the work order, its priority, and whether it is a mass complaint's fault
    report (with the number of complaints it stands for)."""

    work_order_id: str
    priority: int
    mass_complaint: bool
    complaint_count: int | None
    at: float


def _dispatch(entry: dict[str, object]) -> Dispatch:
    if entry.get("request_truncated"):
        raise FlowFailed(f"NSP's journal kept only part of dispatch #{entry.get('seq')}")
    document = read_xml(str(entry["request_body"]).encode())
    command = next(document.iter(f"{{{NSP}}}NetworkComplaintDispatch"), None)
    if command is None:
        raise FlowFailed(f"NSP's journal entry #{entry.get('seq')} holds no NetworkComplaintDispatch")
    count = command.findtext(f"{{{NSP}}}ComplaintCount")
    return Dispatch(work_order_id=command.findtext(f"{{{NSP}}}WorkOrderId") or "",
                    priority=int(command.findtext(f"{{{NSP}}}Priority") or 0),
                    mass_complaint=command.findtext(f"{{{NSP}}}MassComplaint") == "true",
                    complaint_count=int(count) if count else None, at=float(str(entry["timestamp"])))


def nsp_dispatches(scene: Scene, since: float) -> list[Dispatch]:
    """Every NetworkComplaintDispatch NSP received since ``since`` (answered or not), oldest first."""
    entries = scene.admin("nsp").journal(operation="NetworkComplaintDispatch")
    return [_dispatch(entry) for entry in entries if float(entry["timestamp"]) >= since]


def hub_dispatches(scene: Scene, since: float) -> int:
    """How many dispatches the hub's handlers sent towards NSP since ``since``."""
    return sum(1 for e in list(scene.tap.events)
               if e.at >= since and e.command == DISPATCH and e.target.startswith("queue "))
