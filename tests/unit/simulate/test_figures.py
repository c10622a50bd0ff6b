"""The figures are read from the hub's store: a store written by hand (what the hub would have written) gives
the counts, the invalid-dispatch share, the bursts' answers, dispatches and NSP tickets, and SLA per tier with
answers at intake off the reply clock and open work orders past their due counted as breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert

from hub.simulate.figures import read_figures
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.schema import work_order_history, work_orders

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _order(work_order_id: str, **columns: Any) -> dict[str, Any]:
    return {"id": work_order_id, "channel": "HOTLINE", "msisdn": "13800138000", "category_code": "01.01.01",
            "state": "CLOSED", "tier": "CONTRACT", "created_at": T0, "updated_at": T0,
            "first_response_due": T0 + timedelta(minutes=30), "reply_due": T0 + timedelta(hours=8),
            "outage_id": None, "incident_id": None, "first_responded_at": None, "replied_at": None,
            "ticket_type": "COMPLAINT", **columns}


def _entry(work_order_id: str, seq: int, minutes: float, action: str, kind: str = "state",
           system: str = "CS") -> dict[str, Any]:
    return {"work_order_id": work_order_id, "seq": seq, "at": T0 + timedelta(minutes=minutes), "kind": kind,
            "action": action, "system": system, "field": "nsp_result" if kind == "field" else None}


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    WorkOrderStore.open(url).close()  # the schema, migrated
    orders = [
        # an outage complaint answered at intake, linked to the notice
        _order("WO20261123OUTAGE01", outage_id="FLT-1", first_responded_at=T0, state="CLOSED"),
        # an outage complaint taken before the notice: dispatched, NSP answered 40 min later, replied late
        _order("WO20261123OUTAGE02", outage_id="FLT-1", first_responded_at=T0, replied_at=T0 + timedelta(hours=9),
               tier="VIP_GOLD"),
        # a mass complaint linked to its incident, and the incident
        _order("WO20261123MASS0001", incident_id="WO20261123INCID001", first_responded_at=T0,
               replied_at=T0 + timedelta(hours=1), channel="BUSINESS_HALL"),
        _order("WO20261123INCID001", ticket_type="INCIDENT", tier=None),
        # an ordinary complaint still open, both dues passed: breached twice
        _order("WO20261123OPEN0001", state="DISPATCH_REJECTED", channel="WEB"),
    ]
    history = [
        _entry("WO20261123OUTAGE01", 1, 0, "AUTO_ANSWER"),
        _entry("WO20261123OUTAGE02", 1, 0, "DISPATCH"),
        # NSP's ticket noted when NSP accepted the dispatch (workorder.NspDispatchNote): not its reply
        {**_entry("WO20261123OUTAGE02", 2, 0.1, None, kind="field", system="NSP"),  # type: ignore[arg-type]
         "field": "nsp_nspticketid"},
        _entry("WO20261123OUTAGE02", 3, 40, None, kind="field", system="NSP"),  # type: ignore[arg-type]
        _entry("WO20261123MASS0001", 1, 0, "DISPATCH"),
        _entry("WO20261123INCID001", 1, 0, "DISPATCH"),
        _entry("WO20261123OPEN0001", 1, 5, "DISPATCH_UNCHECKED", kind="field"),
        _entry("WO20261123OPEN0001", 2, 5, "DISPATCH"),
        _entry("WO20261123OPEN0001", 3, 60, "REJECT_DISPATCH"),
    ]
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(insert(work_orders), orders)
        db.execute(insert(work_order_history), history)
    engine.dispose()
    return url


def test_the_figures_come_from_the_store(database: str) -> None:
    figures = read_figures(database, T0 + timedelta(days=1), outage_ids=["WO20261123OUTAGE01", "WO20261123OUTAGE02"],
                           mass_ids=["WO20261123MASS0001"],
                           nsp_tickets=["WO20261123OUTAGE02", "WO20261123MASS0001", "WO20261123INCID001",
                                        "WO20261123OPEN0001"])
    assert figures.complaints == 4 and figures.incidents == 1
    assert figures.by_channel == {"HOTLINE": 2, "BUSINESS_HALL": 1, "WEB": 1}
    assert figures.dispatches == 4 and figures.dispatches_rejected == 1 and figures.dispatches_unchecked == 1
    assert figures.invalid_dispatch_share == 0.25
    assert figures.auto_answered == 1
    outage = figures.outage
    assert (outage.complaints, outage.answered_at_intake, outage.dispatches, outage.linked) == (2, 1, 1, 2)
    assert outage.intake_to_answer_s == 0.0 and outage.dispatch_to_reply_s == 40 * 60
    mass = figures.mass
    assert (mass.incidents, mass.linked, mass.dispatches, mass.nsp_tickets, mass.incident_tickets) == (1, 1, 2, 2, 1)


def test_sla_per_tier_counts_what_was_due(database: str) -> None:
    figures = read_figures(database, T0 + timedelta(days=1))
    contract, gold = figures.sla["CONTRACT"], figures.sla["VIP_GOLD"]
    # CONTRACT: the auto-answered one (first response met, off the reply clock), the mass one (both met), the
    # open one (both dues passed without an answer: breached)
    assert (contract.first_met, contract.first_breached, contract.reply_met, contract.reply_breached) == (2, 1, 1, 1)
    assert (gold.first_met, gold.reply_met, gold.reply_breached) == (1, 0, 1)
    assert contract.reply == 0.5 and gold.reply == 0.0
    early = read_figures(database, T0 + timedelta(minutes=10))  # nothing due yet: the open one is not counted
    assert early.sla["CONTRACT"].first_breached == 0 and early.sla["CONTRACT"].reply_breached == 0
