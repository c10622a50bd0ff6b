"""Two hubs of one deployment (two machines: each its own folder, one PostgreSQL database of ``[workers]
processed_store``): their OA workers, wired from the settings, judge against one record of the to-dos the hub closed
and of the notices' versions. Before, each kept a SQLite file beside its own bulletin's (audit of several hubs on one
PostgreSQL): (a) an escalated-then-cancelled work order whose close the other hub's OA worker handled while OA was
slow taking the push kept an open to-do in OA for good; (b) a late revision 1 of a notice handled by the other hub
replaced revision 2 in the managers' to-reads.

OA is the OA emulator, in-process, behind respx (its real rules: a push opens or replaces an item, a close of an
item it does not have is ``unknown-item``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest
import respx
import sqlalchemy as sa
from lxml import etree

from adapters.oa import PostgresClosedItems, PostgresNoticeBook, ToReadVersions, close, dependencies, handlers
from emulators.catalog import resolve_emulator
from emulators.toolkit.handle import EmulatorHandle, in_process_emulator
from hub.config.settings import load_settings
from hub.config.workers import WorkerSettings
from hub.store import open_store
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.oa_kit import MANAGERS
from tests.unit.adapters.oa.test_oa_notice_versions import fault
from tests.unit.adapters.oa.test_oa_todo_close_race import ITEM, USER, closing, push
from tests.unit.adapters.soap_kit import BASE_URL, registry, settings

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@dataclass
class Deployment:
    """OA (the emulator) and the OA workers of two hubs; ``before[operation]`` runs as OA gets it."""

    emulator: EmulatorHandle
    hubs: tuple[WorkerTestClient, WorkerTestClient]
    wired: tuple[dict[str, object], dict[str, object]]
    before: dict[str, Callable[[], None]] = field(default_factory=dict)

    def open_todos(self) -> list[str]:
        return [item["item_id"] for item in self.emulator.http.get(f"/oa/users/{USER}/items").json()["todo"]]

    def to_reads(self) -> dict[str, str]:
        """Each notice to-read's item id: the summary OA shows."""
        return {item["item_id"]: item["summary"] for item in self.emulator.state()["items"]
                if item["item_id"].startswith("toread-")}


@pytest.fixture
def deployment(postgres_server: object, tmp_path: Path) -> Iterator[Deployment]:
    database = postgres_server.create_database()  # type: ignore[attr-defined]
    emulator = in_process_emulator(resolve_emulator("oa")())
    with ExitStack() as stack, respx.mock(assert_all_called=False) as router:
        wired = []
        for machine in ("hub-a", "hub-b"):  # no folder shared
            configured = load_settings()
            configured = replace(configured, bulletin=replace(configured.bulletin, path=tmp_path / machine / "b.db"),
                                 adapters=(settings("oa"),), workers=WorkerSettings(database))
            (tmp_path / machine).mkdir()
            built = dependencies(configured, registry=registry())
            stack.callback(close, built)
            wired.append({**built, "area_managers": MANAGERS})
        hubs = tuple(WorkerTestClient(handlers, consumer="oa", dependencies=deps) for deps in wired)
        office = Deployment(emulator, hubs, (wired[0], wired[1]))  # type: ignore[arg-type]

        def forward(request: httpx.Request) -> httpx.Response:
            operation = etree.QName(etree.fromstring(request.content)).localname
            if operation in office.before:
                office.before.pop(operation)()
            answer = emulator.http.post("/xml", content=request.content, headers={"content-type": "application/xml"})
            return httpx.Response(answer.status_code, content=answer.content,
                                  headers={"content-type": answer.headers.get("content-type", "application/xml")})

        router.post(BASE_URL).mock(side_effect=forward)
        stack.callback(emulator.stop)
        yield office


def test_the_wired_records_are_in_the_shared_database_beside_the_processed_store(
        postgres_server: object, tmp_path: Path) -> None:
    database = postgres_server.create_database()  # type: ignore[attr-defined]
    store = open_store(database, consumer="oa")
    configured = load_settings()
    configured = replace(configured, bulletin=replace(configured.bulletin, path=tmp_path / "b.db"),
                         adapters=(settings("oa"),), workers=WorkerSettings(database))
    built = dependencies(configured, registry=registry())
    try:
        versions, closed = built["to_read_versions"], built["closed_items"]
        assert isinstance(versions, ToReadVersions) and isinstance(versions.book, PostgresNoticeBook)
        assert isinstance(closed, PostgresClosedItems)
        assert versions.book.prefix == closed.prefix == configured.topology_prefix
        closed.record("WO20261123A7K2M9Q1-esc1-0")
        tables = set(sa.inspect(closed.engine).get_table_names())
    finally:
        close(built)
        store.close()
    assert tables == {"onepoint_processed_messages", "onepoint_oa_notice_versions", "onepoint_oa_to_read_items",
                      "onepoint_oa_closed_todos"}
    assert not (tmp_path / "onepoint-oa-notices.db").exists()  # no file beside the bulletin's


def test_a_push_that_waited_while_the_other_hub_closed_the_todo_is_not_made(deployment: Deployment) -> None:
    """(a), the audit's order: hub A's push of an escalation's to-do fails (OA 503) and waits in a delay tier;
    the work order is cancelled and hub B's OA worker closes the to-do (``unknown-item``); A's push comes back."""
    a, b = deployment.hubs
    deployment.emulator.add_fault("error", "PushTodo", status=503, times=3)  # every in-process attempt
    assert not a.send(push(), follow_retries=False).processed
    assert b.send(closing()).outcome == f"to-do {ITEM}: not open in OA (unknown-item), nothing to close"
    retried = a.send(push())
    assert retried.processed and retried.outcome == f"to-do {ITEM}: closed by the hub already, not pushed"
    assert ITEM not in deployment.open_todos()


def test_a_close_the_other_hub_handled_while_oa_took_the_push_closes_it_at_once(deployment: Deployment) -> None:
    """(a), OA slow taking the push: hub B's OA worker handles the close before the push lands (``unknown-item``);
    hub A, the push landed, reads B's record and closes the to-do."""
    a, b = deployment.hubs
    deployment.before["PushTodo"] = lambda: b.send(closing())
    result = a.send(push())
    assert result.outcome == f"to-do {ITEM}: closed by the hub while it was pushed, closed in OA at once"
    assert ITEM not in deployment.open_todos()


def test_a_late_revision_1_at_the_other_hub_is_not_pushed_over_revision_2(deployment: Deployment) -> None:
    """(b): hub A handles revision 2 and pushes its to-reads; revision 1 (sent earlier) reaches hub B."""
    a, b = deployment.hubs
    assert a.send(fault("nsp-r2", revision="2")).processed
    for pushed, _ in a.sent:
        assert a.send(pushed).processed
    late = b.send(fault("nsp-r1", revision="1"))
    assert late.processed and "stale" in (late.outcome or "") and b.sent == []
    shown = deployment.to_reads()
    assert shown and all("(revision 2)" in summary for summary in shown.values())


def test_revision_1_pushes_the_other_hub_announced_are_overtaken_by_revision_2(deployment: Deployment) -> None:
    """(b), pushes crossing: hub A announced revision 1 (its pushes not made yet), hub B handles revision 2 and
    pushes it; A's pushes of revision 1, made after, are skipped."""
    a, b = deployment.hubs
    assert a.send(fault("nsp-r1", revision="1")).processed
    assert b.send(fault("nsp-r2", revision="2")).processed
    for pushed, _ in b.sent:
        assert b.send(pushed).processed
    for pushed, _ in a.sent:
        result = a.send(pushed)
        assert result.processed and "overtaken" in (result.outcome or "")
    shown = deployment.to_reads()
    assert shown and all("(revision 2)" in summary for summary in shown.values())
