"""Helpers of the deadline tests: work orders created and moved through the engine itself (no messages), a runtime
on a given SLA table or data files, and the SLA seed with one tier's line changed."""

from __future__ import annotations

import tomllib
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow.calendars import parse_calendars
from hub.workflow.clock import ManualClock
from hub.workflow.commands import ActionRequest, Complaint
from hub.workflow.datafile import packaged
from hub.workflow.engine import Changed
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.kit import START

DISPATCH_FIELDS = {"terminal_type": "X", "fault_time": "2026-11-23T08:40:00+08:00", "fault_place": "Futian",
                   "announcement_heard": "none", "calling_functions_affected": "local"}
NEEDS_REASON = (A.PEND, A.REQUEST_INFO, A.SUSPEND, A.ESCALATE, A.CANCEL, A.REJECT_DISPATCH)


def open_on(database: str, *, start: datetime = START, **settings: Any) -> WorkflowRuntime:
    return open_runtime(WorkflowSettings(database=database, **settings), clock=ManualClock(start))


def clock(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def create(runtime: WorkflowRuntime, tier: str = "VIP_GOLD", msisdn: str = "13800138000",
           manager: str | None = None) -> str:
    """A complaint of ``tier`` taken now; ``manager``: the account manager BOSS names (VIP and group tiers)."""
    complaint = Complaint(channel="HOTLINE", msisdn=msisdn, contact_number="13800138000", category_code="01.02.03",
                          phenomenon="Cannot originate", description="no calls", occurred_at=START,
                          location="Futian", area_code="0755", message_id=f"m-{uuid.uuid4().hex[:12]}")
    with runtime.store.transaction() as tx:
        created = runtime.engine.create(tx, complaint, TierFacts(msisdn, tier, manager), runtime.clock.now())
    return str(created.row["id"])


def act(runtime: WorkflowRuntime, work_order_id: str, action: A, **details: str) -> Changed:
    if action in NEEDS_REASON:
        details.setdefault("Reason", "a test")
    fields = DISPATCH_FIELDS if action is A.DISPATCH else {}
    with runtime.store.transaction() as tx:
        return runtime.engine.act(tx, ActionRequest(work_order_id, action, "op", "CS", details, fields,
                                                    message_id=f"m-{uuid.uuid4().hex[:12]}"), runtime.clock.now())


def row(runtime: WorkflowRuntime, work_order_id: str) -> dict[str, Any]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return view.row


def history(runtime: WorkflowRuntime, work_order_id: str) -> list[dict[str, Any]]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return view.history


def sla_seed_with(old: str, new: str) -> str:
    """The packaged SLA table with ``old`` (a piece of it) replaced by ``new``."""
    text = packaged("sla.toml").read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def fire_every_row_until(runtime: WorkflowRuntime, scheduler: DeadlineScheduler, work_order_id: str,
                         until: datetime) -> None:
    """The hub running normally up to ``until``: each pending deadline row of the work order fired when it comes
    due (the clock set to it, one pass), until the next is due after ``until``."""
    while True:
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None
        due = min(d["due_at"] for d in view.deadlines if d["fired_at"] is None)
        if due > until:
            return
        clock(runtime).set(due)
        scheduler.run_pass()


def network_desk_hours(*spans: str, source: str = "mornings only") -> Any:
    """The packaged calendars with the network desk (``network_ops``) working ``spans`` on weekdays: an edit of a
    calendar in use, for the recalculation's tests."""
    document = tomllib.loads(packaged("calendars.toml").read_text(encoding="utf-8"))
    document["calendars"]["network_ops"]["hours"] = {day: list(spans) for day in ("mon", "tue", "wed", "thu", "fri")}
    return parse_calendars(document, source)


OA = "{urn:onepoint:oa:1}"
CONTRACT = '[tiers.CONTRACT]\npriority = 3\nfirst_response = "1h"\nreply = "24h"'  # sla.toml's CONTRACT row


def contract_reply(folder: Path, reply: str) -> Path:
    """The SLA seed with CONTRACT's reply limit ``reply``, written in ``folder``."""
    return write(folder / "sla.toml", sla_seed_with(CONTRACT, CONTRACT.replace('reply = "24h"', f'reply = "{reply}"')))


def pushed(client: WorkerTestClient) -> list[tuple[str | None, str | None]]:
    """(user, summary) of each oa.PushTodo the client sent."""
    todos = [etree.fromstring(e.payload) for e, *_ in client.outbound.sent if e.command_type == "oa.PushTodo"]
    return [(todo.findtext(f"{OA}UserId"), todo.findtext(f"{OA}Summary")) for todo in todos]
