"""Event listeners through the running system (issue 12 point 7), on memory:// and a real RabbitMQ: a real HTTP
listener on a free 127.0.0.1 port is registered through the hub's XML ingress (CS); a work order is created and
moved to close; the listener receives created → status changes → information required → resolved → closed, in
order, each event once by its id (its first answer is a 500: the publisher retries the same event, with the same
id, after the backbone's delay).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    WO,
    HotlineAgent,
    broker_url,  # noqa: F401 - the fixture: memory:// and a private RabbitMQ
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)
from tests.support.http_receiver import serving

pytestmark = pytest.mark.integration

LIFE = ["TroubleTicketCreateEvent",
        "TroubleTicketStatusChangeEvent",  # DISPATCH
        "TroubleTicketStatusChangeEvent",  # START
        "TroubleTicketStatusChangeEvent", "TroubleTicketInformationRequiredEvent",  # PEND
        "TroubleTicketStatusChangeEvent",  # SUPPLY_INFO
        "TroubleTicketStatusChangeEvent", "TroubleTicketResolvedEvent",  # REPLY
        "TroubleTicketStatusChangeEvent",  # RETURN_VISIT
        "TroubleTicketStatusChangeEvent", "TroubleTicketCloseEvent"]  # CLOSE


class Listener:
    """A TMF621 listener: keeps every JSON document POSTed to it; refuses the first one with a 500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.refusals = 1
        self.lock = threading.Lock()


@contextmanager
def listening() -> Iterator[tuple[str, Listener]]:
    state = Listener()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.received.append(body)
                refuse = state.refusals > 0
                state.refusals -= refuse
            self.send_response(500 if refuse else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler, "tmf621-listener") as port:
        yield f"http://127.0.0.1:{port}/tmf621/events", state


def test_a_registered_listener_gets_a_work_orders_events_in_order_once_each(
        broker_url: str, tmp_path: Path, emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv(AUDIT_KEY_ENV, "workflow-listeners-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)

    start_emulator = seeded_emulators(emulator_factory)

    vip = vip_with_account_manager()
    with listening() as (url, listener), running_system(broker_url, tmp_path, start_emulator, CALM) as hub, \
            closing(HotlineAgent(hub)) as agent:
        registered = agent.answered(agent.document("RegisterListener.valid-no-filter.xml", Callback=url))
        listener_id = text(registered, "wo:ListenerId")
        registered_elsewhere = agent.document("RegisterListener.valid.xml", Callback=url + "/voice-in-020")
        registered_elsewhere.find(f"{{{WO}}}Filter/{{{WO}}}AreaCode").text = "020"  # type: ignore[union-attr]
        agent.answered(registered_elsewhere)  # a filter no event passes: nothing reaches it

        created = agent.answered(agent.document(
            "CreateWorkOrder.valid.xml", Msisdn=vip.msisdn, ContactNumber=vip.msisdn, CategoryCode=CATEGORY,
            **{"Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}))
        work_order_id = text(created, "wo:WorkOrderId")
        agent.dispatch(work_order_id)
        for example, state in (("start", "IN_PROGRESS"), ("pend", "PENDING"), ("supply-info", "IN_PROGRESS"),
                               ("reply", "REPLIED"), ("callback", "RETURN_VISITED"), ("close", "CLOSED")):
            assert text(agent.act(f"WorkOrderAction.valid-{example}.xml", work_order_id), "wo:State") == state

        settle(lambda: len({b["eventId"] for b in listener.received}) >= len(LIFE), "every event at the listener")
        unregistered = agent.answered(agent.document("UnregisterListener.valid.xml", ListenerId=listener_id))
        assert text(unregistered, "wo:ListenerId") == listener_id

    received = listener.received
    assert received[0]["eventId"] == received[1]["eventId"]  # refused once, then the same event again
    once = received[1:]
    assert [b["eventType"] for b in once] == LIFE
    assert len({b["eventId"] for b in once}) == len(LIFE)  # each once, by its id
    tickets = [b["event"]["troubleTicket"] for b in once]
    assert {t["id"] for t in tickets} == {work_order_id}
    assert [t["state"] for t in tickets][-1] == "CLOSED" and tickets[-1]["status"] == "closed"
    assert all(vip.msisdn not in json.dumps(b) for b in received)  # only the number's last four digits travel
