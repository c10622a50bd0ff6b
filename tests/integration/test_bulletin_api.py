"""The bulletin over HTTP: NSP posts an OutageNotice to the hub's XML ingress → broadcast → the bulletin's Worker
→ the board; CS agents list it with their unread marks and mark it read (memory:// and a real RabbitMQ)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from lxml import etree

import hub.bulletin as bulletin
from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.ingress.app import create_app
from hub.routing.factory import open_router
from hub.store import SQLiteProcessedStore
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import Worker
from tests.support.servers import running_asgi

CS = ("cs-frontend", "cs-dev-password")


@dataclass
class Hub:
    url: str
    board: bulletin.BulletinBoard


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def hub(request: pytest.FixtureRequest, registry: CommandSetRegistry, tmp_path: Path) -> Iterator[Hub]:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("rabbitmq_server").url
    settings = replace(load_settings(), broker_url=url, topology_prefix=f"b{uuid.uuid4().hex[:8]}",
                       bulletin=BulletinSettings(tmp_path / "bulletin.db"))
    router = open_router(settings, registry)
    deps = bulletin.dependencies(settings)
    store = SQLiteProcessedStore(tmp_path / "processed.db")
    app = create_app(settings, router=router, registry=registry)  # the API opens the board from [bulletin] path
    try:
        with (Worker(router.broker, bulletin.CONSUMER, bulletin.handlers, store=store, dependencies=deps),
              running_asgi(app.asgi) as base_url):
            yield Hub(base_url, deps["bulletin"])
    finally:
        bulletin.close(deps)
        router.broker.close()
        store.close()


def notice(examples_dir: Path, name: str, message_id: str) -> bytes:
    text = (examples_dir / "nsp" / f"OutageNotice.{name}.xml").read_text("utf-8")
    start = text.index("<c:MessageId>") + len("<c:MessageId>")
    return (text[:start] + message_id + text[text.index("</c:MessageId>"):]).encode()


def post_as_nsp(hub: Hub, document: bytes) -> httpx.Response:
    return httpx.post(f"{hub.url}/xml/nsp", content=document, timeout=20,
                      headers={"Content-Type": "application/xml", "Authorization": "Bearer nsp-dev-token"})


def wait_for_applied(board: bulletin.BulletinBoard, count: int) -> None:
    deadline = time.monotonic() + 20
    while board.applied() < count:
        if time.monotonic() > deadline:
            pytest.fail(f"the bulletin applied {board.applied()} of {count} notices")
        time.sleep(0.02)


def test_agents_see_nsps_notices_with_unread_marks(hub: Hub, examples_dir: Path) -> None:
    assert post_as_nsp(hub, notice(examples_dir, "valid-fault", "it-flt-0001")).status_code == 202
    assert post_as_nsp(hub, notice(examples_dir, "valid-planned-work", "it-adj-0001")).status_code == 202
    wait_for_applied(hub.board, 2)
    listed = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-0042"}, auth=CS).json()
    assert listed["unread"] == 2
    assert {n["notice_id"]: n["unread"] for n in listed["notices"]} == {
        "FLT-20261123-0007": True, "ADJ-20261122-0012": True}
    fault = next(n for n in listed["notices"] if n["notice_id"] == "FLT-20261123-0007")
    assert fault["customer_wording"].startswith("因通信设备故障") and fault["areas"][0]["code"] == "0755"
    read = httpx.post(f"{hub.url}/bulletin/FLT-20261123-0007/read", params={"agent": "cs-0042"},
                      headers={"Authorization": "Bearer cs-dev-token"})
    assert read.json() == {"agent": "cs-0042", "notice_id": "FLT-20261123-0007", "revision": 1, "edition": 1,
                           "read": True, "unread": False}
    mine = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-0042", "area": "0755"}, auth=CS).json()
    assert [(n["notice_id"], n["unread"]) for n in mine["notices"]] == [("FLT-20261123-0007", False)]
    other = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-0043"}, auth=CS).json()
    assert other["unread"] == 2

    assert post_as_nsp(hub, notice(examples_dir, "valid-cleared", "it-flt-0002")).status_code == 202
    wait_for_applied(hub.board, 3)
    active = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-0042"}, auth=CS).json()
    assert [n["notice_id"] for n in active["notices"]] == ["ADJ-20261122-0012"]
    everything = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-0042", "all": "1", "format": "xml"},
                           auth=CS)
    root = etree.fromstring(everything.content)
    ns = {"b": bulletin.views.BULLETIN_NS}
    assert {n.get("id"): n.get("status") for n in root.iterfind("b:Notice", ns)} == {
        "FLT-20261123-0007": "CLEARED", "ADJ-20261122-0012": "ACTIVE"}
    assert root.findtext("b:Notice[@id='FLT-20261123-0007']/b:ClearedAt", namespaces=ns) == "2026-11-23T11:05:00+08:00"
    assert root.find("b:Notice[@id='FLT-20261123-0007']", ns).get("unread") == "true"  # revision 2 is news


def test_only_authenticated_readers_with_good_parameters(hub: Hub) -> None:
    assert httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-1"}).status_code == 401
    wrong = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-1"}, auth=("cs-frontend", "wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthenticated"
    nsp = httpx.get(f"{hub.url}/bulletin", params={"agent": "cs-1"}, headers={"Authorization": "Bearer nsp-dev-token"})
    assert nsp.status_code == 403 and "NSP" in nsp.json()["message"]
    assert nsp.headers["X-OnePoint-Refusal"] == "forbidden"
    missing = httpx.get(f"{hub.url}/bulletin", auth=CS)
    assert missing.status_code == 400 and "agent is required" in missing.text
    assert httpx.get(f"{hub.url}/bulletin", params={"agent": "x y"}, auth=CS).status_code == 400
    assert httpx.get(f"{hub.url}/bulletin", params={"agent": "a", "area": "755"}, auth=CS).status_code == 400
    unknown = httpx.post(f"{hub.url}/bulletin/FLT-20991231-0001/read", params={"agent": "a"}, auth=CS)
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown-notice"
    assert httpx.post(f"{hub.url}/bulletin/nonsense/read", params={"agent": "a"}, auth=CS).status_code == 400
