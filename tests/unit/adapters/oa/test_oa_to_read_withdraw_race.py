"""A to-read the hub withdrew never ends up open in OA, whatever order its push and its withdrawal reach OA in
(audit: a work order's PushToRead that waited in a delay tier after OA's 503s, or was dead-lettered and replayed,
landed after the Close's WithdrawToRead, which OA had answered ``unknown-item``, and opened the to-read of a closed
work order for good). The withdrawal is recorded as a to-do's close is (``adapters.oa.closed_items``).

OA is the OA emulator, in-process, behind respx (its real rules)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import respx
from lxml import etree

from adapters.oa import ClosedItemsFile, OaClient, ToReadVersions, handlers
from emulators.catalog import resolve_emulator
from emulators.toolkit.handle import EmulatorHandle, in_process_emulator
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers, XmlGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.oa_kit import MANAGERS, OA, C
from tests.unit.adapters.soap_kit import BASE_URL, example, registry, settings

pytestmark = pytest.mark.unit

WORK_ORDER, USER = "WO20261123A7K2M9Q1", "mgr-cs-0755-03"
ITEM = f"{WORK_ORDER}-rem1-call1"


@dataclass
class Office:
    emulator: EmulatorHandle
    worker: WorkerTestClient
    other: WorkerTestClient  # another OA worker sharing the record (another process)
    posted: list[str] = field(default_factory=list)
    before: dict[str, Callable[[], None]] = field(default_factory=dict)

    def open_to_reads(self) -> list[str]:
        return [item["item_id"] for item in self.emulator.http.get(
            f"/oa/users/{USER}/items", params={"user_id": USER}).json()["toread"]]


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    emulator = in_process_emulator(resolve_emulator("oa")())
    records = [ClosedItemsFile(tmp_path / "onepoint-oa-notices.db") for _ in range(2)]
    gateways = [XmlGateway(settings("oa"), registry().get("oa"), breakers=CircuitBreakers()) for _ in range(2)]
    workers = [WorkerTestClient(handlers, consumer="oa", dependencies={
        "oa": OaClient(gateway), "area_managers": MANAGERS, "to_read_versions": ToReadVersions(),
        "closed_items": record}) for gateway, record in zip(gateways, records, strict=True)]
    with respx.mock(assert_all_called=False) as router:
        office = Office(emulator, *workers)

        def forward(request: httpx.Request) -> httpx.Response:
            operation = etree.QName(etree.fromstring(request.content)).localname
            office.posted.append(operation)
            if operation in office.before:
                office.before.pop(operation)()
            answer = emulator.http.post("/xml", content=request.content, headers={"content-type": "application/xml"})
            return httpx.Response(answer.status_code, content=answer.content,
                                  headers={"content-type": answer.headers.get("content-type", "application/xml")})

        router.post(BASE_URL).mock(side_effect=forward)
        try:
            yield office
        finally:
            for gateway, record in zip(gateways, records, strict=True):
                gateway.close()
                record.close()
            emulator.stop()


def push(message_id: str = "hub-push-rem1-0001") -> Envelope:
    document = etree.fromstring(example("oa/PushToRead.valid.xml"))
    for path, value in ((f"{{{OA}}}Header/{{{C}}}MessageId", message_id), (f"{{{OA}}}ItemId", ITEM),
                        (f"{{{OA}}}UserId", USER), (f"{{{OA}}}Title", f"Reminder: {WORK_ORDER} no signal")):
        document.find(path).text = value  # type: ignore[union-attr]
    work_order = etree.Element(f"{{{OA}}}WorkOrderId")
    work_order.text = WORK_ORDER
    document.find(f"{{{OA}}}Summary").addprevious(work_order)  # type: ignore[union-attr]
    return Envelope(message_id, "oa.PushToRead", "HUB", etree.tostring(document))


def withdrawal(message_id: str = "hub-withdraw-rem1-0001") -> Envelope:
    document = etree.fromstring(example("oa/WithdrawToRead.valid.xml"))
    for path, value in ((f"{{{OA}}}Header/{{{C}}}MessageId", message_id), (f"{{{OA}}}ItemId", ITEM),
                        (f"{{{OA}}}UserId", USER)):
        document.find(path).text = value  # type: ignore[union-attr]
    return Envelope(message_id, "oa.WithdrawToRead", "HUB", etree.tostring(document))


def test_a_push_after_the_withdrawal_is_not_made(office: Office) -> None:
    """The audit's order: the push failed (503) and waits in a delay tier; the work order closes, the withdrawal
    reaches OA first (``unknown-item``); the push comes back from its tier (or is replayed from the dead letters)."""
    office.emulator.add_fault("error", "PushToRead", status=503, times=3)
    waiting = office.worker.send(push(), follow_retries=False)
    assert not waiting.processed
    withdrawn = office.worker.send(withdrawal())
    assert withdrawn.outcome == f"to-read {ITEM}: not open in OA (unknown-item), nothing to withdraw"
    retried = office.worker.send(push())
    assert retried.processed and retried.outcome == f"to-read {ITEM}: withdrawn by the hub already, not pushed"
    replayed = office.worker.send(push("hub-push-rem1-0002"))  # a replay under another MessageId
    assert replayed.processed and office.open_to_reads() == []
    assert "PushToRead" not in office.posted[4:]


def test_a_withdrawal_handled_while_the_push_is_on_its_way_withdraws_it_at_once(office: Office) -> None:
    def other_worker_withdraws() -> None:
        thread = threading.Thread(target=office.other.send, args=(withdrawal(),))
        thread.start()
        thread.join()

    office.before["PushToRead"] = other_worker_withdraws
    result = office.worker.send(push())
    assert result.outcome == f"to-read {ITEM}: withdrawn by the hub while it was pushed, withdrawn in OA at once"
    assert office.open_to_reads() == []
    assert office.posted == ["PushToRead", "WithdrawToRead", "WithdrawToRead"]


def test_a_to_read_never_withdrawn_is_pushed_and_stays_open(office: Office) -> None:
    assert office.worker.send(push()).outcome == f"to-read {ITEM}"
    assert office.open_to_reads() == [ITEM]
