"""OA after the audit: hostile JSON is a 400, items are bounded (the oldest closed go first) and so is the state."""

from __future__ import annotations

import re

import pytest

from emulators.oa import create_emulator
from emulators.oa.state import Inbox
from emulators.toolkit import in_process_emulator
from tests.unit.emulators.oa.test_oa_unit import item

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}


def test_deeply_nested_or_wrong_typed_json_is_a_400(examples_dir):
    with in_process_emulator(create_emulator()) as oa:
        deep = oa.http.post("/oa/todos/x/complete", content=b"[" * 100_000 + b"]" * 100_000)
        assert deep.status_code == 400 and "nested too deeply" in deep.json()["error"]
        oa.http.post("/xml", content=(examples_dir / "oa" / "PushTodo.valid.xml").read_bytes(), headers=XML)
        item_id = oa.state()["items"][0]["item_id"]
        wrong = oa.http.post(f"/oa/todos/{item_id}/complete", json={"outcome": ["done"]})
        assert wrong.status_code == 400 and "'outcome'" in wrong.json()["error"]
        assert oa.http.get("/__admin/health").status_code == 200


def test_the_inbox_keeps_at_most_max_items_evicting_the_oldest_closed_first():
    inbox = Inbox(max_items=3)
    for n in range(3):
        inbox.push(item(f"todo-{n}", at=float(n)), f"m{n}")
    inbox.close("todo-1", user_id=None, status="completed", at=5.0, by="hub")
    inbox.push(item("todo-3", at=6.0), "m3")
    assert sorted(inbox.items) == ["todo-0", "todo-2", "todo-3"]  # the closed one went first
    inbox.push(item("todo-4", at=7.0), "m4")
    assert sorted(inbox.items) == ["todo-2", "todo-3", "todo-4"]  # then the oldest
    assert inbox.seen("m0") == "todo-0"  # a repeated push of an evicted item is still a duplicate
    assert inbox.snapshot(limit=2)["item_count"] == 3 and inbox.evicted == 2


def test_the_admin_state_lists_a_bounded_number_of_items(examples_dir):
    base = (examples_dir / "oa" / "PushToRead.valid.xml").read_text()
    message_id = re.search(r"<c:MessageId>([^<]+)</c:MessageId>", base).group(1)
    item_id = re.search(r"<oa:ItemId>([^<]+)</oa:ItemId>", base).group(1)
    with in_process_emulator(create_emulator(max_items=5, state_limit=3)) as oa:
        for n in range(8):
            body = base.replace(message_id, f"hub-oa-{n:012d}").replace(item_id, f"item-{n:08d}").encode()
            assert oa.http.post("/xml", content=body, headers=XML).status_code == 200
        state = oa.state()
        assert [i["item_id"] for i in state["items"]] == ["item-00000005", "item-00000006", "item-00000007"]
        assert (state["item_count"], state["items_evicted"]) == (5, 3)
        assert state["config"]["max_items"] == 5


def test_a_key_a_route_does_not_take_is_a_400_naming_it(examples_dir):
    with in_process_emulator(create_emulator()) as oa:
        oa.http.post("/xml", content=(examples_dir / "oa" / "PushTodo.valid.xml").read_bytes(), headers=XML)
        item_id = oa.state()["items"][0]["item_id"]
        cased = oa.http.post(f"/oa/todos/{item_id}/complete", json={"Outcome": "Called the NOC"})
        assert cased.status_code == 400 and cased.json()["code"] == "unknown-key"
        assert "'Outcome' (keys are lower case: 'outcome')" in cased.json()["error"]
        read = oa.http.post("/oa/toreads/x/read", json={"outcome": "x"})  # a read takes only user_id
        assert read.status_code == 400 and "'outcome'" in read.json()["error"]
        assert oa.state()["items"][0]["status"] == "open" and oa.state()["callbacks"] == []
        assert oa.http.post(f"/oa/todos/{item_id}/complete", json={"outcome": "done", "user_id": "mgr-cs-0755-03"}
                            ).status_code == 200
