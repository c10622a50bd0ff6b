"""A to-do the hub closed never ends up open in OA, whatever order its push and its close reach OA in (audit: a
PushTodo that waited in a delay tier after OA's 503s landed after the hub's CompleteTodo, which OA had answered
``unknown-item``, and opened the to-do of a cancelled work order for good).

OA is the OA emulator, in-process, behind respx (its real rules: a push opens or reopens an item, a close of an
item it does not have is ``unknown-item``). Two OA worker clients share one record of the closed to-dos: two
threads of one worker (memory) or two worker processes (the notice book's file)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from lxml import etree

from adapters.oa import ClosedItems, ClosedItemsFile, MemoryClosedItems, OaClient, ToReadVersions, handlers
from emulators.catalog import resolve_emulator
from emulators.toolkit.handle import EmulatorHandle, in_process_emulator
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers, XmlGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.oa_kit import MANAGERS, OA, C
from tests.unit.adapters.soap_kit import BASE_URL, example, registry, settings

pytestmark = pytest.mark.unit

ITEM, USER = "WO20261123A7K2M9Q1-dsp1", "NOC-PROV"


@dataclass
class Office:
    """OA (the emulator) and two OA worker clients sharing ``closed``; ``before[operation]`` runs as OA gets it."""

    emulator: EmulatorHandle
    worker: WorkerTestClient
    other: WorkerTestClient
    closed: ClosedItems
    posted: list[str] = field(default_factory=list)  # the operations OA got, in order
    before: dict[str, Callable[[], None]] = field(default_factory=dict)
    lose_answer: set[str] = field(default_factory=set)  # operations whose answer is lost once OA acted on them

    def open_todos(self) -> list[str]:
        return [item["item_id"] for item in self.emulator.http.get(f"/oa/users/{USER}/items").json()["todo"]]

    def feed(self) -> str:
        return self.emulator.http.get(f"/feeds/{USER}/todo.atom").text

    def item(self) -> dict[str, Any] | None:
        return next((i for i in self.emulator.state()["items"] if i["item_id"] == ITEM), None)

    def in_other_thread(self, envelope: Envelope) -> None:
        """``envelope`` handled to the end by the other worker, on its own thread (another handler thread)."""
        thread = threading.Thread(target=self.other.send, args=(envelope,))
        thread.start()
        thread.join()


def worker(gateway: XmlGateway, closed: ClosedItems) -> WorkerTestClient:
    return WorkerTestClient(handlers, consumer="oa", dependencies={
        "oa": OaClient(gateway), "area_managers": MANAGERS, "to_read_versions": ToReadVersions(),
        "closed_items": closed})


@pytest.fixture(params=["threads", "processes"])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    emulator = in_process_emulator(resolve_emulator("oa")())
    if request.param == "threads":
        shared = MemoryClosedItems()
        records: tuple[ClosedItems, ClosedItems] = (shared, shared)
    else:
        records = (ClosedItemsFile(tmp_path / "onepoint-oa-notices.db"),
                   ClosedItemsFile(tmp_path / "onepoint-oa-notices.db"))
    gateways = [XmlGateway(settings("oa"), registry().get("oa"), breakers=CircuitBreakers()) for _ in range(2)]
    with respx.mock(assert_all_called=False) as router:
        office = Office(emulator, worker(gateways[0], records[0]), worker(gateways[1], records[1]), records[0])

        def forward(request: httpx.Request) -> httpx.Response:
            operation = etree.QName(etree.fromstring(request.content)).localname
            office.posted.append(operation)
            if operation in office.before:
                office.before.pop(operation)()
            answer = emulator.http.post("/xml", content=request.content,
                                        headers={"content-type": "application/xml"})
            if operation in office.lose_answer:
                office.lose_answer.discard(operation)
                raise httpx.ReadTimeout("the answer never came", request=request)
            return httpx.Response(answer.status_code, content=answer.content,
                                  headers={"content-type": answer.headers.get("content-type", "application/xml")})

        router.post(BASE_URL).mock(side_effect=forward)
        try:
            yield office
        finally:
            for gateway in gateways:
                gateway.close()
            for record in set(records):
                record.close()
            emulator.stop()


def push(message_id: str = "hub-push-dsp1-0001") -> Envelope:
    document = etree.fromstring(example("oa/PushTodo.valid.xml"))
    for path, value in ((f"{{{OA}}}Header/{{{C}}}MessageId", message_id), (f"{{{OA}}}ItemId", ITEM),
                        (f"{{{OA}}}UserId", USER)):
        document.find(path).text = value  # type: ignore[union-attr]
    return Envelope(message_id, "oa.PushTodo", "HUB", etree.tostring(document))


def closing(message_id: str = "hub-close-dsp1-0001") -> Envelope:
    document = etree.fromstring(example("oa/CompleteTodo.valid.xml"))
    for path, value in ((f"{{{OA}}}Header/{{{C}}}MessageId", message_id), (f"{{{OA}}}Header/{{{C}}}SourceSystem",
                                                                             "HUB"),
                        (f"{{{OA}}}ItemId", ITEM), (f"{{{OA}}}UserId", USER),
                        (f"{{{OA}}}Outcome", f"work order {ITEM[:-5]} cancelled")):
        document.find(path).text = value  # type: ignore[union-attr]
    return Envelope(message_id, "oa.CompleteTodo", "HUB", etree.tostring(document))


def assert_closed_in_oa(office: Office, *, pushed: bool) -> None:
    assert ITEM not in office.open_todos()
    assert f"urn:onepoint:oa:item:{ITEM}" not in office.feed()
    item = office.item()
    if pushed:
        assert item is not None and (item["status"], item["closed_by"]) == ("completed", "hub")
    else:
        assert item is None  # never pushed


def test_the_close_records_the_item_before_it_asks_oa(office: Office) -> None:
    seen: list[bool] = []
    office.before["CompleteTodo"] = lambda: seen.append(office.closed.is_closed(ITEM))
    assert office.worker.send(push()).outcome == f"to-do {ITEM}"
    result = office.worker.send(closing())
    assert result.processed and result.outcome == f"to-do {ITEM} closed"
    assert seen == [True]
    assert_closed_in_oa(office, pushed=True)


def test_a_push_after_the_close_is_not_made(office: Office, caplog: pytest.LogCaptureFixture) -> None:
    """The audit's order: the push failed (503) and waits in a delay tier; the work order is cancelled, the close
    reaches OA first (``unknown-item``: nothing to close); the push comes back from its tier."""
    office.emulator.add_fault("error", "PushTodo", status=503, times=3)  # every in-process attempt
    waiting = office.worker.send(push(), follow_retries=False)
    assert not waiting.processed and office.posted == ["PushTodo"] * 3
    closed = office.worker.send(closing())
    assert closed.outcome == f"to-do {ITEM}: not open in OA (unknown-item), nothing to close"
    with caplog.at_level(logging.INFO, logger="onepoint.adapters.oa"):
        retried = office.worker.send(push())
    assert_closed_in_oa(office, pushed=False)
    assert retried.processed and retried.outcome == f"to-do {ITEM}: closed by the hub already, not pushed"
    assert "PushTodo" not in office.posted[4:]
    assert any(r.levelno == logging.INFO and "not pushed" in r.getMessage() for r in caplog.records)


def test_a_close_handled_while_the_push_is_on_its_way_closes_it_at_once(office: Office) -> None:
    """The push checked the record (not closed), then the other thread or worker handles the close before the push
    lands (OA: ``unknown-item``); the push, landed, reads the record again and closes the to-do."""
    office.before["PushTodo"] = lambda: office.in_other_thread(closing())
    result = office.worker.send(push())
    assert_closed_in_oa(office, pushed=True)
    assert result.processed
    assert result.outcome == f"to-do {ITEM}: closed by the hub while it was pushed, closed in OA at once"
    assert office.posted == ["PushTodo", "CompleteTodo", "CompleteTodo"]


def test_a_push_that_landed_unseen_after_the_close_is_closed_by_its_retry(office: Office) -> None:
    """The push lands after the close (handled meanwhile), but its answer is lost (a time-out): the attempt fails,
    and its retry, finding the item closed, pushes nothing and closes the one that landed."""
    office.before["PushTodo"] = lambda: office.in_other_thread(closing())
    office.lose_answer.add("PushTodo")
    result = office.worker.send(push())
    assert_closed_in_oa(office, pushed=True)
    assert result.processed and result.outcome == f"to-do {ITEM}: closed by the hub already, not pushed"
    assert office.posted == ["PushTodo", "CompleteTodo", "CompleteTodo"]


def test_redeliveries_of_either_change_nothing(office: Office) -> None:
    assert office.worker.send(push()).processed
    assert office.worker.send(closing()).outcome == f"to-do {ITEM} closed"
    again = office.other.send(closing())  # the close redelivered (to the other worker): OA closed it already
    assert again.processed and not again.dead
    redelivered = office.other.send(push())  # the push redelivered after the close: not made again
    another = office.other.send(push("hub-push-dsp1-0002"))  # even under another MessageId (OA would reopen it)
    assert_closed_in_oa(office, pushed=True)
    assert redelivered.outcome == another.outcome == f"to-do {ITEM}: closed by the hub already, not pushed"
    assert office.posted.count("PushTodo") == 1


def test_a_todo_the_hub_never_closed_is_pushed_and_stays_open(office: Office) -> None:
    assert office.worker.send(push()).outcome == f"to-do {ITEM}"
    assert office.posted == ["PushTodo"]
    assert office.open_todos() == [ITEM]
