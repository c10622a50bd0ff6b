"""The NSP emulator takes the hub's NetworkComplaintWithdraw: the work order's unanswered tickets are withdrawn and
never replied to (neither the scheduled reply nor one by hand), a repeat is acknowledged again (DUPLICATE under the
same MessageId, ALREADY_WITHDRAWN under a new one), an unknown work order with ``Known`` false, and a dispatch the
withdrawal overtook opens its ticket withdrawn. The admin state and the journal show it (emulators/nsp/withdrawals.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from lxml import etree

from emulators.nsp import create_emulator
from emulators.toolkit import EmulatorHandle, FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"
WORK_ORDER = "WO20261123A7K2M9Q1"  # the examples'


def _document(examples_dir: Path, name: str, message_id: str | None = None, work_order: str = WORK_ORDER) -> bytes:
    root = etree.parse(str(examples_dir / "nsp" / name)).getroot()
    if message_id is not None:
        root.find(f"{{{NSP}}}Header/{{{C}}}MessageId").text = message_id
    root.find(f"{{{NSP}}}WorkOrderId").text = work_order
    return etree.tostring(root)


def dispatch(nsp: EmulatorHandle, examples_dir: Path, message_id: str = "hub-d-000001",
             work_order: str = WORK_ORDER) -> str:
    answer = nsp.http.post("/xml", content=_document(examples_dir, "NetworkComplaintDispatch.valid.xml",
                                                      message_id, work_order), headers=XML)
    assert answer.status_code == 200, answer.text
    return etree.fromstring(answer.content).findtext(f"{{{NSP}}}NspTicketId") or ""


def withdraw(nsp: EmulatorHandle, examples_dir: Path, message_id: str = "hub-w-000001",
             work_order: str = WORK_ORDER) -> tuple[str, str, str, list[str]]:
    """The answer's Ack status, Known, Outcome and ticket ids."""
    answer = nsp.http.post("/xml", content=_document(examples_dir, "NetworkComplaintWithdraw.valid.xml",
                                                      message_id, work_order), headers=XML)
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    return (root.findtext(f"{{{NSP}}}Ack/{{{C}}}Status") or "", root.findtext(f"{{{NSP}}}Known") or "",
            root.findtext(f"{{{NSP}}}Outcome") or "", [t.text or "" for t in root.iterfind(f"{{{NSP}}}NspTicketId")])


def ticket(nsp: EmulatorHandle, ticket_id: str) -> dict:
    return next(t for t in nsp.state()["tickets"] if t["ticket_id"] == ticket_id)


def test_a_withdrawn_ticket_is_never_replied_to(examples_dir: Path) -> None:
    clock = FakeClock()
    with in_process_emulator(create_emulator(seed=1, reply_delay=5.0, clock=clock)) as nsp:
        ticket_id = dispatch(nsp, examples_dir)
        assert nsp.state()["scheduled"] == [f"reply:{ticket_id}"]
        assert withdraw(nsp, examples_dir) == ("ACCEPTED", "true", "WITHDRAWN", [ticket_id])
        withdrawn = ticket(nsp, ticket_id)
        assert withdrawn["status"] == "withdrawn" and withdrawn["reply"] is None
        assert withdrawn["withdrawal"]["reason"].startswith("Customer called back")
        assert withdrawn["withdrawal"]["withdrawn_by"] == "agent-1024"
        assert nsp.state()["scheduled"] == []  # the scheduled reply is dropped
        clock.advance(60)
        threading.Event().wait(0.2)  # the scheduler's thread would have sent it by now
        assert ticket(nsp, ticket_id)["reply"] is None and nsp.state()["callbacks"] == []
        by_hand = nsp.http.post(f"/nsp/tickets/{ticket_id}/reply", json={})
        assert (by_hand.status_code, by_hand.json()["code"]) == (409, "withdrawn")
        (kept,) = nsp.state()["withdrawals"]
        assert (kept["work_order_id"], kept["outcome"], nsp.state()["withdrawal_count"]) == (WORK_ORDER, "WITHDRAWN", 1)
        nsp.assert_called("NetworkComplaintWithdraw", times=1)  # the journal names the operation


def test_a_repeated_withdrawal_is_acknowledged_again(examples_dir: Path) -> None:
    with in_process_emulator(create_emulator(seed=1, reply_delay=5.0, clock=FakeClock())) as nsp:
        ticket_id = dispatch(nsp, examples_dir)
        assert withdraw(nsp, examples_dir)[2] == "WITHDRAWN"
        assert withdraw(nsp, examples_dir) == ("DUPLICATE", "true", "WITHDRAWN", [ticket_id])  # redelivered
        assert withdraw(nsp, examples_dir, "hub-w-000002") == ("ACCEPTED", "true", "ALREADY_WITHDRAWN", [ticket_id])
        assert nsp.state()["withdrawals"][0]["repeats"] == 1  # the redelivery is no repeat


def test_an_unknown_work_order_is_acknowledged_unknown_and_its_late_dispatch_opens_withdrawn(
        examples_dir: Path) -> None:
    with in_process_emulator(create_emulator(seed=1, reply_delay=5.0, clock=FakeClock())) as nsp:
        assert withdraw(nsp, examples_dir) == ("ACCEPTED", "false", "UNKNOWN", [])
        ticket_id = dispatch(nsp, examples_dir)  # a retried dispatch its withdrawal overtook
        late = ticket(nsp, ticket_id)
        assert late["status"] == "withdrawn" and late["withdrawal"]["message_id"] == "hub-w-000001"
        assert nsp.state()["scheduled"] == []
        other = dispatch(nsp, examples_dir, "hub-d-000002", work_order="WO20261123B2C3D4E5")
        assert nsp.state()["scheduled"] == [f"reply:{other}"]  # another work order is answered as ever


def test_a_work_order_nsp_answered_already_keeps_its_reply(examples_dir: Path) -> None:
    with in_process_emulator(create_emulator(seed=1, auto_reply=False, clock=FakeClock())) as nsp:
        ticket_id = dispatch(nsp, examples_dir)
        assert nsp.http.post(f"/nsp/tickets/{ticket_id}/reply", json={}).status_code == 200
        assert withdraw(nsp, examples_dir) == ("ACCEPTED", "true", "ALREADY_ANSWERED", [ticket_id])
        assert ticket(nsp, ticket_id)["status"] in ("replied", "resolved")


def test_every_unanswered_ticket_of_the_work_order_is_withdrawn(examples_dir: Path) -> None:
    """Dispatched again after a dispatch marked invalid: NSP holds two tickets of the work order."""
    with in_process_emulator(create_emulator(seed=1, auto_reply=False, clock=FakeClock())) as nsp:
        first, second = dispatch(nsp, examples_dir), dispatch(nsp, examples_dir, "hub-d-000002")
        assert withdraw(nsp, examples_dir) == ("ACCEPTED", "true", "WITHDRAWN", [first, second])
        assert {ticket(nsp, first)["status"], ticket(nsp, second)["status"]} == {"withdrawn"}
        nsp.reset()
        assert nsp.state()["withdrawals"] == [] and nsp.state()["withdrawal_count"] == 0
