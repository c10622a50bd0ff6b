"""The bulletin API after the second audit (the board given, notices posted to it directly): unknown parameters
refused by name, the unread count of every page, editions listed and marked read, a pass through the pages while a
notice is revised, and the bulletin's own 503 when its database stays locked."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from lxml import etree

import hub.bulletin as bulletin
from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.ingress.app import create_app
from hub.routing.factory import open_router
from hub.validation.command_sets import CommandSetRegistry
from tests.support.servers import free_port, running_asgi

pytestmark = pytest.mark.integration
CS = ("cs-frontend", "cs-dev-password")
OA = ("oa", "oa-dev-password")
NID = "FLT-20261123-0007"
NS = {"b": bulletin.views.BULLETIN_NS}


@dataclass
class Hub:
    url: str
    board: bulletin.BulletinBoard
    examples: Path
    path: Path

    def post(self, message_id: str, revision: int, *, notice_id: str = NID, title: str = "Base station down",
             area: str = "0755") -> None:
        text = (self.examples / "nsp" / "OutageNotice.valid-fault.xml").read_text("utf-8")
        text = re.sub(r"<nsp:Revision>\d+</nsp:Revision>", f"<nsp:Revision>{revision}</nsp:Revision>", text)
        text = re.sub(r"<nsp:NoticeId>[^<]+</nsp:NoticeId>", f"<nsp:NoticeId>{notice_id}</nsp:NoticeId>", text)
        text = re.sub(r"<nsp:Title>[^<]*</nsp:Title>", f"<nsp:Title>{title}</nsp:Title>", text)
        text = re.sub(r"<c:AreaCode>[^<]*</c:AreaCode>", f"<c:AreaCode>{area}</c:AreaCode>", text)
        self.board.post(message_id, bulletin.parse_outage_notice(text.encode()))

    def get(self, query: str, *, auth: tuple[str, str] = CS) -> httpx.Response:
        return httpx.get(f"{self.url}/bulletin?{query}", auth=auth, timeout=20)

    def read(self, query: str, notice_id: str = NID) -> httpx.Response:
        return httpx.post(f"{self.url}/bulletin/{notice_id}/read?{query}", auth=CS, timeout=20)


@pytest.fixture
def hub(registry: CommandSetRegistry, tmp_path: Path, examples_dir: Path) -> Iterator[Hub]:
    path = tmp_path / "bulletin.db"
    settings = replace(load_settings(), broker_url="memory://", topology_prefix=f"b{uuid.uuid4().hex[:8]}",
                       bulletin=BulletinSettings(path))
    router = open_router(settings, registry)
    board = bulletin.BulletinBoard(path, busy_timeout_ms=200)  # a locked database is refused soon
    app = create_app(settings, router=router, registry=registry, bulletin=board)
    try:
        with running_asgi(app.asgi) as base_url:
            yield Hub(base_url, board, examples_dir, path)
    finally:
        board.close()
        router.broker.close()


@pytest.mark.parametrize(("method", "query", "named"), [
    ("GET", "agent=cs-0001&aera=0755", "aera"), ("GET", "agent=cs-0001&Area=0755", "Area"),
    ("GET", "agent=cs-0001&limt=1", "limt"), ("GET", "agent=cs-0001&revision=1", "revision"),
    ("GET", f"notice={NID}&agent=cs-0001", "agent"), ("POST", "agent=cs-0001&revison=1", "revison"),
    ("POST", "agent=cs-0001&format=json", "format"),
])
def test_a_parameter_the_endpoint_does_not_take_is_refused_naming_it(hub: Hub, method: str, query: str,
                                                                     named: str) -> None:
    hub.post("m1", 1)
    answer = hub.get(query, auth=OA if query.startswith("notice") else CS) if method == "GET" else hub.read(query)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "unknown-parameter" and answer.headers["X-OnePoint-Refusal"] == "unknown-parameter"
    assert repr(named) in answer.json()["message"]
    assert "takes" in answer.json()["message"]  # and the ones it takes


def test_the_unread_count_is_every_pages(hub: Hub) -> None:
    for n in range(1, 8):
        hub.post(f"m{n}", 1, notice_id=f"FLT-20261123-{n:04d}", area="0571" if n == 7 else "0755")
    assert hub.read("agent=cs-0001", "FLT-20261123-0001").status_code == 200
    page = hub.get("agent=cs-0001&limit=2").json()
    assert (len(page["notices"]), page["unread"]) == (2, 6)
    assert hub.get(f"agent=cs-0001&limit=2&after={page['next']}").json()["unread"] == 6
    assert hub.get("agent=cs-0001&limit=2&area=0755").json()["unread"] == 5
    root = etree.fromstring(hub.get("agent=cs-0001&limit=3&format=xml").content)
    assert root.get("unread") == "6" and len(root.findall("b:Notice", NS)) == 3


def test_the_edition_shown_is_marked_read_and_a_correction_stays_unread(hub: Hub) -> None:
    hub.post("m1", 1, title="one base station")
    (shown,) = hub.get("agent=cs-0001").json()["notices"]
    assert (shown["revision"], shown["edition"], shown["unread"]) == (1, 1, True)
    hub.post("m2", 1, title="three base stations")  # corrected, the revision kept
    by_revision = hub.read(f"agent=cs-0001&revision={shown['revision']}").json()
    assert (by_revision["revision"], by_revision["edition"], by_revision["unread"]) == (1, 1, True)
    by_edition = hub.read(f"agent=cs-0001&edition={shown['edition']}").json()
    assert by_edition["unread"] is True
    (now,) = hub.get("agent=cs-0001").json()["notices"]
    assert (now["title"], now["edition"], now["unread"]) == ("three base stations", 2, True)
    root = etree.fromstring(hub.get("agent=cs-0001&format=xml").content)
    assert root.find("b:Notice", NS).get("edition") == "2"
    assert hub.read("agent=cs-0001&edition=2").json() == {
        "agent": "cs-0001", "notice_id": NID, "revision": 1, "edition": 2, "read": True, "unread": False}
    assert hub.get("agent=cs-0001").json()["notices"][0]["unread"] is False
    both = hub.read("agent=cs-0001&edition=2&revision=1")
    assert both.status_code == 400 and "edition" in both.json()["message"]
    assert hub.get(f"notice={NID}", auth=OA).json()["notice"]["edition"] == 2


def test_a_pass_through_the_pages_shows_each_notice_once_though_one_is_revised(hub: Hub) -> None:
    ids = [f"FLT-20261123-{n:04d}" for n in range(1, 7)]
    for n, notice_id in enumerate(ids):
        hub.post(f"m{n}", 1, notice_id=notice_id)
    page = hub.get("agent=cs-0001&limit=2").json()
    seen = [n["notice_id"] for n in page["notices"]]
    hub.post("rev", 2, notice_id=ids[0], title="now two sites")  # on the last page, not shown yet
    while "next" in page:
        page = hub.get(f"agent=cs-0001&limit=2&after={page['next']}").json()
        seen += [n["notice_id"] for n in page["notices"]]
    assert seen == ids[::-1]
    assert page["notices"][-1]["title"] == "now two sites"


def test_a_locked_database_is_the_bulletins_own_503(hub: Hub) -> None:
    hub.post("m1", 1)
    writer = sqlite3.connect(hub.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock (retention, a burst of notices)
    try:
        refused = hub.read("agent=cs-0001")
        assert refused.status_code == 503 and refused.json()["error"] == "bulletin-busy"
        assert refused.headers["Retry-After"].isdigit()
        assert "MessageId" not in refused.json()["message"] and "read mark was not recorded" in refused.text
        assert hub.get("agent=cs-0001").status_code == 200  # readers are not held up
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert hub.read("agent=cs-0001").json()["unread"] is False


def test_a_database_out_of_reach_is_the_bulletins_own_503(hub: Hub) -> None:
    """A shared bulletin ([bulletin] database on PostgreSQL) whose server is down: 503 ``bulletin-unavailable``
    with Retry-After, not the ingress's generic "may or may not have been accepted" (wrong for a read)."""
    hub.board.engine.dispose()
    hub.board.engine = sa.create_engine(f"postgresql+psycopg://hub@127.0.0.1:{free_port()}/gone",
                                        connect_args={"connect_timeout": 2})  # nothing listens there
    for refused in (hub.get("agent=cs-0001"), hub.read("agent=cs-0001")):
        assert refused.status_code == 503 and refused.json()["error"] == "bulletin-unavailable"
        assert refused.headers["Retry-After"].isdigit() and "MessageId" not in refused.text
