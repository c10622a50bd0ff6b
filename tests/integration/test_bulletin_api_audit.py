"""The bulletin API after the audit (the board given, notices posted to it directly): strict parameters, content
negotiation and caching headers, marking read the revision shown, the per-notice page OA's to-read links to, and
pages of all=1."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

import hub.bulletin as bulletin
from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.ingress import bulletin as bulletin_api
from hub.ingress.app import create_app
from hub.ingress.bulletin_http import MOST_PARAMETERS
from hub.routing.factory import open_router
from hub.validation.command_sets import CommandSetRegistry
from tests.support.servers import running_asgi

pytestmark = pytest.mark.integration
CS = ("cs-frontend", "cs-dev-password")
OA = ("oa", "oa-dev-password")
NID = "FLT-20261123-0007"


@dataclass
class Hub:
    url: str
    board: bulletin.BulletinBoard
    examples: Path

    def post(self, message_id: str, revision: int, *, notice_id: str = NID, title: str = "Base station down") -> None:
        text = (self.examples / "nsp" / "OutageNotice.valid-fault.xml").read_text("utf-8")
        text = re.sub(r"<nsp:Revision>\d+</nsp:Revision>", f"<nsp:Revision>{revision}</nsp:Revision>", text)
        text = re.sub(r"<nsp:NoticeId>[^<]+</nsp:NoticeId>", f"<nsp:NoticeId>{notice_id}</nsp:NoticeId>", text)
        text = re.sub(r"<nsp:Title>[^<]*</nsp:Title>", f"<nsp:Title>{title}</nsp:Title>", text)
        self.board.post(message_id, bulletin.parse_outage_notice(text.encode()))

    def get(self, query: str, *, auth: tuple[str, str] = CS, **headers: str) -> httpx.Response:
        return httpx.get(f"{self.url}/bulletin?{query}", auth=auth, headers=headers, timeout=10)


@pytest.fixture
def hub(registry: CommandSetRegistry, tmp_path: Path, examples_dir: Path) -> Iterator[Hub]:
    settings = replace(load_settings(), broker_url="memory://", topology_prefix=f"b{uuid.uuid4().hex[:8]}",
                       bulletin=BulletinSettings(tmp_path / "bulletin.db"))
    router = open_router(settings, registry)
    board = bulletin.BulletinBoard(tmp_path / "bulletin.db")
    app = create_app(settings, router=router, registry=registry, bulletin=board)
    try:
        with running_asgi(app.asgi) as base_url:
            yield Hub(base_url, board, examples_dir)
    finally:
        board.close()
        router.broker.close()


@pytest.mark.parametrize("query", [
    "agent=cs-0001%0A", "agent=cs-0001&area=0755%0A", "agent=cs-0001&all=banana", "agent=cs-0001&format=yaml",
    "agent=cs-0001&agent=cs-0002", "agent=cs-0001&area=0755&area=0757", "agent=cs-0001&limit=0",
    "agent=cs-0001&after=yesterday",
])
def test_a_bad_or_repeated_parameter_is_refused_naming_it(hub: Hub, query: str) -> None:
    answer = hub.get(query)
    assert answer.status_code == 400
    named = query.split("&")[-1].split("=")[0]
    assert named in answer.json()["message"]


def test_a_notice_id_with_a_trailing_newline_is_refused(hub: Hub) -> None:
    hub.post("m1", 1)
    answer = httpx.post(f"{hub.url}/bulletin/{NID}%0A/read?agent=cs-0001", auth=CS)
    assert answer.status_code == 400


def test_negotiation_and_caching(hub: Hub) -> None:
    hub.post("m1", 1)
    for accept, expected in (("application/json", "application/json"), ("application/xml", "application/xml"),
                             ("application/json;q=0, application/xml", "application/xml"),
                             ("text/*;q=0.5, application/json;q=0.4", "text/xml"), ("*/*", "application/json")):
        answer = hub.get("agent=cs-0001", Accept=accept)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(expected), accept
        assert answer.headers["vary"] == "Accept"
        assert answer.headers["cache-control"] == "private, no-store"
    refused = hub.get("agent=cs-0001", Accept="text/html")
    assert refused.status_code == 406 and refused.json()["error"] == "not-acceptable"
    assert hub.get("agent=cs-0001&format=xml", Accept="text/html").status_code == 200  # format wins


def test_a_wrong_method_is_the_apis_json_405(hub: Hub) -> None:
    for method, path, allowed in (("DELETE", "/bulletin?agent=cs-0001", "GET, HEAD"),
                                  ("GET", f"/bulletin/{NID}/read?agent=cs-0001", "POST")):
        answer = httpx.request(method, f"{hub.url}{path}", auth=CS, timeout=10)
        assert answer.status_code == 405 and answer.json()["error"] == "method-not-allowed", answer.text
        assert answer.headers["allow"] == allowed


def test_read_marks_the_revision_shown(hub: Hub) -> None:
    hub.post("m1", 1)
    hub.post("m2", 2, title="Revised")
    marked = httpx.post(f"{hub.url}/bulletin/{NID}/read?agent=cs-0001&revision=1", auth=CS).json()
    assert marked["revision"] == 1
    (shown,) = hub.get("agent=cs-0001").json()["notices"]
    assert (shown["revision"], shown["unread"]) == (2, True)


def test_oa_reads_the_notice_its_to_read_links_to(hub: Hub) -> None:
    hub.post("m1", 1)
    page = hub.get(f"notice={NID}", auth=OA)
    assert page.status_code == 200 and page.json()["notice"]["notice_id"] == NID
    assert hub.get(f"notice={NID}", auth=OA, Accept="application/xml").text.count("<b:Notice ") == 1
    assert hub.get("notice=FLT-20991231-0001", auth=OA).status_code == 404
    assert hub.get("agent=cs-0001", auth=OA).status_code == 403  # the agents' list stays theirs


def test_oa_repeating_the_notice_is_told_so_not_forbidden(hub: Hub) -> None:
    answer = hub.get(f"notice={NID}&notice={NID}", auth=OA)
    assert answer.status_code == 400 and answer.json()["error"] == "repeated-parameter"


def test_the_query_string_is_read_only_once_the_caller_is_known(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    class Recorded(bulletin_api.Query):
        def __init__(self, query_string: str) -> None:
            parsed.append(query_string)
            super().__init__(query_string)

    monkeypatch.setattr(bulletin_api, "Query", Recorded)
    flood = "&".join(f"p{n}" for n in range(9_000))  # ~50 KB of distinct names
    anonymous = httpx.get(f"{hub.url}/bulletin?{flood}", timeout=10)
    assert anonymous.status_code == 401 and parsed == []  # refused on its credentials alone
    answer = hub.get(flood)
    assert answer.status_code == 400 and answer.json()["error"] == "too-many-parameters"
    assert answer.json()["message"].startswith(f"more than {MOST_PARAMETERS} query parameters")


def test_all_notices_come_in_pages(hub: Hub) -> None:
    for n in range(5):
        hub.post(f"m{n}", 1, notice_id=f"FLT-20261123-000{n}")
    seen: list[str] = []
    query = "agent=cs-0001&all=1&limit=2"
    while True:
        page = hub.get(query).json()
        assert len(page["notices"]) <= 2
        seen += [n["notice_id"] for n in page["notices"]]
        if "next" not in page:
            break
        query = f"agent=cs-0001&all=1&limit=2&after={page['next']}"
    assert sorted(seen) == [f"FLT-20261123-000{n}" for n in range(5)] and len(seen) == 5
