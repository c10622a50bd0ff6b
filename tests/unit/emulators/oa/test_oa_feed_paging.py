"""OA emulator feeds a page at a time (RFC 5005 links: a reader follows ``next`` and gets every open item once,
newest first) and with validators (``ETag`` / ``Last-Modified``: a poll of an unchanged feed is a 304)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from emulators.oa import create_emulator
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

ATOM = {"a": "http://www.w3.org/2005/Atom"}
USER = "mgr-cs-0755-03"
FEED = f"/feeds/{USER}/todo.atom"


def push(oa: Any, examples_dir: Path, number: int) -> None:
    document = (examples_dir / "oa" / "PushTodo.valid.xml").read_bytes()
    document = (document.replace(b"todo-WO20261123A7K2M9Q1-overdue", f"todo-{number:04d}".encode())
                .replace(b"hub-0f1e2d3c4b5a6978", f"hub-0f1e2d3c4b5a{number:04d}".encode()))
    answered = oa.http.post("/xml", content=document, headers={"content-type": "application/xml"})
    assert answered.status_code == 200, answered.text


def links(page: etree._Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in page.findall("a:link", ATOM)}


def entry_ids(page: etree._Element) -> list[str]:
    return [str(entry.findtext("a:id", namespaces=ATOM)).rpartition(":")[2] for entry in page.findall("a:entry", ATOM)]


def test_a_reader_following_next_gets_every_open_item_once_newest_first(examples_dir: Path) -> None:
    with in_process_emulator(create_emulator()) as oa:
        for number in range(1, 8):
            push(oa, examples_dir, number)
        page = etree.fromstring(oa.http.get(f"{FEED}?size=3").content)
        first = links(page)
        assert first["first"] == first["self"] and "previous" not in first
        assert first["last"].endswith(f"{FEED}?page=3&size=3")
        seen = entry_ids(page)
        while "next" in links(page):
            page = etree.fromstring(oa.http.get(links(page)["next"]).content)
            seen += entry_ids(page)
        assert seen == [f"todo-{number:04d}" for number in range(7, 0, -1)]
        assert "next" not in links(page) and links(page)["last"].endswith("page=3&size=3")
        whole = etree.fromstring(oa.http.get(FEED).content)  # the default size holds them all: one page
        assert links(whole)["self"].endswith(FEED) and set(links(whole)) == {"self", "first", "last"}
        assert len(entry_ids(whole)) == 7


@pytest.mark.parametrize(("query", "status", "code", "named"), [
    ("?page=4&size=3", 404, "no-such-page", "its last page is 3"),
    ("?page=0", 400, "invalid-page", "'0'"),
    ("?page=two", 400, "invalid-page", "'two'"),
    ("?size=501", 400, "invalid-size", "from 1 to 500"),
    ("?limit=10", 400, "unknown-key", "'limit'"),
])
def test_a_page_or_size_the_feed_cannot_serve_is_refused_naming_it(
        examples_dir: Path, query: str, status: int, code: str, named: str) -> None:
    with in_process_emulator(create_emulator()) as oa:
        for number in range(1, 8):
            push(oa, examples_dir, number)
        refused = oa.http.get(f"{FEED}{query}")
        assert refused.status_code == status and refused.json()["code"] == code
        assert named in refused.json()["error"]


def test_an_empty_inbox_has_its_first_page() -> None:
    with in_process_emulator(create_emulator()) as oa:
        page = oa.http.get(FEED)
        assert page.status_code == 200 and entry_ids(etree.fromstring(page.content)) == []


def test_polling_an_unchanged_feed_is_a_304_until_it_changes(examples_dir: Path) -> None:
    clock = FakeClock()
    with in_process_emulator(create_emulator(clock=clock)) as oa:
        push(oa, examples_dir, 1)
        fresh = oa.http.get(FEED)  # changed within this second: no Last-Modified (a change later in it would hide)
        assert "last-modified" not in fresh.headers
        clock.advance(1.5)
        served = oa.http.get(FEED)
        etag, modified = served.headers["etag"], served.headers["last-modified"]
        assert etag == fresh.headers["etag"]
        again = oa.http.get(FEED, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert oa.http.get(FEED, headers={"if-modified-since": modified}).status_code == 304
        push(oa, examples_dir, 2)
        assert oa.http.get(FEED, headers={"if-modified-since": modified}).status_code == 200
        changed = oa.http.get(FEED, headers={"if-none-match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert entry_ids(etree.fromstring(changed.content)) == ["todo-0002", "todo-0001"]


def test_next_is_a_cursor_so_items_changing_between_pages_are_neither_lost_nor_repeated(examples_dir: Path) -> None:
    clock = FakeClock()
    with in_process_emulator(create_emulator(clock=clock)) as oa:
        for number in range(1, 7):
            push(oa, examples_dir, number)
            clock.advance(10)
        page = etree.fromstring(oa.http.get(f"{FEED}?size=2").content)
        seen = entry_ids(page)
        assert seen == ["todo-0006", "todo-0005"] and "after=" in links(page)["next"]
        completed = oa.http.post(f"/oa/todos/{seen[0]}/complete", json={"user_id": USER})  # done on the phone
        assert completed.status_code == 200
        page = etree.fromstring(oa.http.get(links(page)["next"]).content)
        seen += entry_ids(page)
        push(oa, examples_dir, 7)  # a new one meanwhile: on the first page, not shifting this walk
        while "next" in links(page):
            page = etree.fromstring(oa.http.get(links(page)["next"]).content)
            seen += entry_ids(page)
        assert seen == [f"todo-{number:04d}" for number in range(6, 0, -1)]
        refused = oa.http.get(f"{FEED}?after=nonsense")
        assert refused.status_code == 400 and refused.json()["code"] == "invalid-after"
