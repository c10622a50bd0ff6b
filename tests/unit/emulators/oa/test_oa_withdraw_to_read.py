"""The hub's WithdrawToRead in the OA emulator: the to-read leaves its user's to-read list and feed, the journal
records the command, an unknown item is 404 ``unknown-item``, one read already 409 ``already-closed``, a to-do 409
``wrong-inbox``, the same withdrawal again is answered as done."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from emulators.oa import create_emulator
from emulators.oa.feeds import ATOM_NS
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
USER = "mgr-cs-0755-01"
ITEM = "toread-FLT-20261123-0007-r1"


def _withdrawal(examples_dir: Path, item_id: str, message_id: str, user: str = USER) -> bytes:
    body = (examples_dir / "oa" / "WithdrawToRead.valid.xml").read_text()
    return (body.replace("WO20261123A7K2M9Q1-rem1-0", item_id).replace("mgr-cs-0755-03", user)
            .replace("hub-5c6d7e8f9a0b1c2d", message_id).encode())


def test_a_withdrawn_to_read_leaves_the_inbox_and_its_feed(examples_dir: Path) -> None:
    clock = FakeClock()
    with in_process_emulator(create_emulator(clock=clock)) as oa:
        push = (examples_dir / "oa" / "PushToRead.valid.xml").read_bytes()
        assert oa.http.post("/xml", content=push, headers=XML).is_success
        before = etree.fromstring(oa.http.get(f"/feeds/{USER}/toread.atom").content)
        assert len(before.findall(f"{{{ATOM_NS}}}entry")) == 1
        clock.advance(60)

        answer = oa.http.post("/xml", content=_withdrawal(examples_dir, ITEM, "hub-withdraw-0000001"), headers=XML)

        assert answer.status_code == 200 and b"ACCEPTED" in answer.content
        assert oa.http.get(f"/oa/users/{USER}/items").json()["toread"] == []
        after = etree.fromstring(oa.http.get(f"/feeds/{USER}/toread.atom").content)
        assert after.findall(f"{{{ATOM_NS}}}entry") == []
        assert after.findtext(f"{{{ATOM_NS}}}updated") > before.findtext(f"{{{ATOM_NS}}}updated")
        kept = oa.http.get("/__admin/state").json()["items"][0]
        assert (kept["status"], kept["closed_by"], kept["outcome"]) == (
            "withdrawn", "hub", "work order WO20261123A7K2M9Q1 closed")
        journal = oa.http.get("/__admin/journal/count", params={"operation": "WithdrawToRead"}).json()
        assert journal["count"] == 1
        again = oa.http.post("/xml", content=_withdrawal(examples_dir, ITEM, "hub-withdraw-0000002"), headers=XML)
        assert again.status_code == 200  # the hub telling it again: done already
        read = oa.http.post(f"/oa/toreads/{ITEM}/read", json={"user_id": USER})
        assert read.status_code == 409 and read.json()["code"] == "already-closed"


def test_unknown_read_or_todo_items_are_refused(examples_dir: Path) -> None:
    with in_process_emulator(create_emulator(clock=FakeClock())) as oa:
        unknown = oa.http.post("/xml", content=_withdrawal(examples_dir, "toread-none-0001", "hub-withdraw-0000003"),
                               headers=XML)
        assert unknown.status_code == 404 and b"unknown-item" in unknown.content
        assert oa.http.post("/xml", content=(examples_dir / "oa" / "PushToRead.valid.xml").read_bytes(),
                            headers=XML).is_success
        assert oa.http.post(f"/oa/toreads/{ITEM}/read", json={"user_id": USER}).is_success
        read = oa.http.post("/xml", content=_withdrawal(examples_dir, ITEM, "hub-withdraw-0000004"), headers=XML)
        assert read.status_code == 409 and b"already-closed" in read.content
        todo = (examples_dir / "oa" / "PushTodo.valid.xml").read_text()
        assert oa.http.post("/xml", content=todo.encode(), headers=XML).is_success
        wrong = oa.http.post("/xml", content=_withdrawal(examples_dir, "todo-WO20261123A7K2M9Q1-overdue",
                                                         "hub-withdraw-0000005", "mgr-cs-0755-03"), headers=XML)
        assert wrong.status_code == 409 and b"wrong-inbox" in wrong.content
