"""The demo's timeline shows when each system got what and how long each hop took (audit defect 5): the hub's
acceptance of a command is stamped when the request reached the hub (the ingress writes its record once the
command is routed, a request's once its answer is back), and the last column is the hop's own duration where it
was measured, never the gap since the previous row (which may be another message's)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from rich.console import Console
from starlette.responses import Response

from hub.demo import Event
from hub.demo.events import HubTap, ReceiptClock
from hub.demo.report import timeline_table
from hub.demo.runner import DemoRun, FlowResult

pytestmark = pytest.mark.unit


def accepted(created: float) -> logging.LogRecord:
    """The ingress's "command accepted" record, as written ``created`` (once the command was routed)."""
    record = logging.LogRecord("onepoint.ingress", logging.DEBUG, __file__, 1, "command accepted", None, None)
    record.created = created
    record.__dict__.update(command="boss.QueryCustomerTier", caller="cs-frontend", ingress="soap",
                           status="COMPLETED", targets=["boss"])
    return record


def test_the_ingress_event_is_stamped_when_the_request_reached_the_hub() -> None:
    tap = HubTap()

    async def ingress(scope: object, receive: object, send: object) -> None:  # routes, gets the answer, logs
        tap.emit(accepted(created=100.05))
        await Response("ok")(scope, receive, send)  # type: ignore[arg-type]

    hub = ReceiptClock(ingress, clock=lambda: 100.0)  # the request reaches the hub at 100.0

    async def call() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(hub), base_url="http://hub") as client:
            await client.post("/soap/boss", content=b"<x/>")

    asyncio.run(call())
    (event,) = tap.events
    assert (event.at, event.source, event.target) == (100.0, "cs-frontend (soap)", "hub")
    assert event.took == pytest.approx(0.05)  # what the hub held it: routed and answered
    tap.emit(accepted(created=7.0))  # outside a request (no receipt known): the record's own time
    assert (tap.events[1].at, tap.events[1].took) == (7.0, None)


def test_the_last_column_is_each_hops_own_duration_not_the_gap() -> None:
    start = 1000.0
    events = [
        Event(start + 0.010, "CS", "hub (SOAP)", "boss.QueryCustomerTier", "VIP", "caller"),
        Event(start + 0.012, "cs-frontend (soap)", "hub", "boss.QueryCustomerTier", "COMPLETED → boss", "hub", 0.040),
        Event(start + 0.030, "hub", "BOSS", "QueryCustomerTier", "HTTP 200, answered in 3 ms", "system", 0.003),
        Event(start + 0.045, "hub", "boss worker", "boss.QueryCustomerTier", "handled: tier VIP_GOLD", "hub"),
        Event(start + 0.055, "hub", "CS", "QueryCustomerTierResponse", "VIP_GOLD", "caller", 0.045),
    ]
    flow = FlowResult("tier", "Customer tier lookup", True, "ok", start + 0.001, start + 0.060, events=events)
    run = DemoRun("memory://", "http://127.0.0.1:1", start, flows=[flow])
    table = timeline_table(run)
    assert [column.header for column in table.columns] == ["t", "from → to", "command", "outcome", "took"]
    took = list(table.columns[4].cells)[1:]  # after the flow's title row
    assert took == ["", "40 ms", "3 ms", "", "45 ms"]  # the gaps would have been 9, 2, 18, 15, 10 ms
    text = Console(width=200, record=True)
    text.print(table)
    assert "+0.012s" in text.export_text() and "hop" not in text.export_text()
