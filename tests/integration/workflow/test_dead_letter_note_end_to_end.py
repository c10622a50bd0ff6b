"""A dispatch NSP refuses for good, through the whole running system (memory://, the emulators over HTTP): it is
dead-lettered and its work order's history says so (``DEAD_LETTERED``, the letter's MessageId: the NSP worker's
``workorder.DeadLetterNote``); once NSP is fixed, ``onepoint dlq replay`` carries it out, the history says that
too (``DELIVERED_ON_REPLAY``), NSP opens its ticket and its reply starts the work order. Before, the history read
as if NSP had the dispatch: nothing told the work order."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    HotlineAgent,
    history,
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)

pytestmark = pytest.mark.integration


def test_a_refused_dispatch_is_noted_then_replayed(tmp_path: Path, emulator_factory: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "dead-letter-note-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    vip = vip_with_account_manager()
    with running_system("memory://", tmp_path, seeded_emulators(emulator_factory), CALM) as hub, \
            closing(HotlineAgent(hub)) as agent:
        nsp = hub.emulators["nsp"]
        hub.inject(CALM, extra={"nsp": [{"kind": "error", "operation": "NetworkComplaintDispatch", "status": 400,
                                         "times": 1, "message": "refused: NSP is being migrated"}]})
        created = agent.answered(agent.document(
            "CreateWorkOrder.valid.xml", Msisdn=vip.msisdn, ContactNumber=vip.msisdn, CategoryCode=CATEGORY,
            **{"Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}))
        work_order_id = text(created, "wo:WorkOrderId")
        assert text(agent.dispatch(work_order_id), "wo:State") == "DISPATCHED"

        dlq = DeadLetterQueues(hub.broker)
        (letter,) = settle(lambda: list(dlq.browse("nsp")), "NSP's refusal in the nsp DLQ")
        assert letter.kind == "permanent"

        def noted(action: str) -> list[dict[str, str]]:
            return [e for e in history(agent.query(work_order_id))
                    if e.get("Field") == "dead_letter" and e["Action"] == action]

        (dead,) = settle(lambda: noted("DEAD_LETTERED"), "the work order told of its dead-lettered dispatch")
        assert (dead["NewValue"], dead["System"]) == (letter.message_id, "HUB")
        assert "nsp.NetworkComplaintDispatch to nsp was dead-lettered (permanent failure)" in dead["Note"]
        assert "migrated" not in dead["Note"]  # the reason stays with the letter (it may name internal addresses)
        assert text(agent.query(work_order_id), "wo:State") == "DISPATCHED"  # the state stays
        assert nsp.state()["tickets"] == []

        report = dlq.replay()  # NSP is fixed (the fault fired once): the operator replays the letter
        assert (len(report.replayed), len(report.failed)) == (1, 0)
        (ticket,) = settle(lambda: [t for t in nsp.state()["tickets"] if t["work_order_id"] == work_order_id],
                           "NSP's ticket for the replayed dispatch")
        (delivered,) = settle(lambda: noted("DELIVERED_ON_REPLAY"), "the work order told of the replay")
        assert delivered["NewValue"] == letter.message_id
        assert nsp.http.post(f"/nsp/tickets/{ticket['ticket_id']}/reply", json={"resolved": True}).status_code == 200
        settle(lambda: text(agent.query(work_order_id), "wo:State") == "IN_PROGRESS", "NSP's reply")
        assert not any(dlq.counts().values()), dlq.counts()
