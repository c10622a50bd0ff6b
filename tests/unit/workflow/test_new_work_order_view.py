"""The dispatch at intake acts on the work order ``create`` just wrote without reading it back: the view ``create``
hands over must be exactly what the store reads back in the same transaction."""

from __future__ import annotations

from hub.workflow import commands
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.queries import load_work_order
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.kit import START, command

HISTORY_COLUMNS = ("at", "kind", "actor", "system", "message_id", "action", "from_state", "to_state", "field",
                   "old_value", "new_value", "note")


def test_the_created_view_is_what_the_store_reads_back(runtime: WorkflowRuntime) -> None:
    document, _ = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    complaint = commands.complaint(document)
    with runtime.store.transaction() as tx:
        created = runtime.engine.create(tx, complaint, TierFacts(complaint.msisdn, "VIP_GOLD"), START)
        stored = load_work_order(tx.db, created.row["id"])
    assert created.view is not None
    assert stored is not None
    assert created.view.row == stored.row
    assert [{k: h[k] for k in HISTORY_COLUMNS} for h in stored.history] == created.view.history
    assert not any(d["fired_at"] for d in stored.deadlines)
    assert created.view.deadlines == []
