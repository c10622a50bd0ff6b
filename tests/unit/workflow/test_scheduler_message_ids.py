"""The message ids of what the deadline scheduler sends are unique beyond one work-order database.

A deadline row's id is unique only inside its database, while the adapters' processed stores (OA's among them)
outlive it: a database created again, restored or migrated, or another deployment's started from the same working
folder. Two databases fire rows with the same ids; what they send must not share message ids, or the OA worker
drops the second database's reminders and escalations as the first's duplicates. The same row firing again (a pass
rolled back after sending) still sends the same ids: tests/unit/workflow/test_scheduler_failures.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.envelope import Envelope
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store import DueDeadline
from tests.unit.workflow.deadline_kit import clock, create, open_on

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def _outbound() -> RecordingOutbound:
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    return RecordingOutbound(table, DocumentValidator(registry))


def _fired(runtime: WorkflowRuntime) -> tuple[list[int], list[Envelope]]:
    """The ids of the deadline rows the first warning pass fires and the envelopes it sends."""
    outbound = _outbound()
    work_order_id = create(runtime, "VIP_GOLD")  # first response 20 min, its warning at 15
    clock(runtime).advance(timedelta(minutes=16))
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    now = runtime.clock.now()
    due = sorted(int(d["id"]) for d in view.deadlines if d["due_at"] is not None and d["due_at"] <= now)
    done = DeadlineScheduler(runtime, outbound, batch=50).run_pass()
    assert done.warnings == 1 and done.sent == ["PushToRead"]
    return due, [envelope for envelope, _ in outbound.sent]


def test_two_databases_firing_the_same_deadline_ids_send_different_message_ids(tmp_path: Path) -> None:
    first = open_on(f"sqlite:///{tmp_path / 'first.db'}")  # say a deployment's database, then a new one
    second = open_on(f"sqlite:///{tmp_path / 'second.db'}")
    try:
        rows_first, sent_first = _fired(first)
        rows_second, sent_second = _fired(second)
    finally:
        first.close()
        second.close()
    assert rows_first == rows_second and rows_first  # the same deadline row ids in both databases
    assert [e.command_type for e in sent_first] == [e.command_type for e in sent_second] == ["oa.PushToRead"]
    assert sent_first[0].message_id != sent_second[0].message_id
    assert sent_first[0].headers["caused-by"] != sent_second[0].headers["caused-by"]


def test_the_cause_names_the_work_order_and_stays_a_message_id() -> None:
    from hub.workflow.scheduler import deadline_cause_id

    pattern = re.search(r'name="MessageId">\s*<xs:restriction base="xs:string">\s*<xs:pattern value="([^"]+)"',
                        (SCHEMAS / "common.xsd").read_text(encoding="utf-8"))
    assert pattern is not None
    at = datetime(2026, 11, 23, tzinfo=UTC)
    longest = DueDeadline(id=9_999_999_999, work_order_id="WO20261123ABCDEFGH", kind="FIRST_RESPONSE:ESCALATE9",
                          due_at=at)
    cause = deadline_cause_id(longest)
    assert "WO20261123ABCDEFGH" in cause and "9999999999" in cause and "FIRST_RESPONSE:ESCALATE9" in cause
    assert re.fullmatch(pattern.group(1), cause), cause  # the CorrelationId of what it sends
    same_row_elsewhere = DueDeadline(id=longest.id, work_order_id="WO20261123ZZZZZZZZ", kind=longest.kind, due_at=at)
    assert deadline_cause_id(same_row_elsewhere) != cause
    assert deadline_cause_id(longest) == cause  # the same firing, the same cause
