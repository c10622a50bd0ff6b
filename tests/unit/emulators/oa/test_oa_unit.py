"""OA inbox rules and the Atom feed builder, in-process."""

from __future__ import annotations

import pytest
from lxml import etree

from emulators.oa import create_emulator
from emulators.oa.feeds import ATOM_NS, build_feed
from emulators.oa.state import Inbox, InboxError, Item
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

A = {"a": ATOM_NS}


def item(item_id: str = "todo-0001", inbox: str = "todo", user: str = "mgr-1", at: float = 1_800_000_000.0) -> Item:
    return Item(item_id=item_id, inbox=inbox, user_id=user, title="Chase WO", link="https://hub.example/wo/1",
                priority=2, published=at, updated=at, due="2026-11-23T15:00:00+08:00", work_order_id=None)


def test_a_repeated_push_replaces_and_bumps_the_revision():
    inbox = Inbox()
    inbox.push(item(at=1.0), "m1")
    second = inbox.push(item(at=5.0), "m2")
    assert (second.revision, second.published, second.updated) == (2, 1.0, 5.0)
    assert [i.item_id for i in inbox.open_items("mgr-1", "todo")] == ["todo-0001"]
    assert inbox.seen("m1") == inbox.seen("m2") == "todo-0001"


def test_closing_rules():
    inbox = Inbox()
    inbox.push(item(), "m1")
    inbox.push(item("read-0001", "toread"), "m2")
    with pytest.raises(InboxError) as wrong_user:
        inbox.close("todo-0001", user_id="mgr-2", status="completed", at=2.0, by="oa-user")
    assert wrong_user.value.status == 404
    with pytest.raises(InboxError) as wrong_box:
        inbox.close("read-0001", user_id=None, status="completed", at=2.0, by="oa-user")
    assert wrong_box.value.code == "wrong-inbox"
    inbox.close("todo-0001", user_id="mgr-1", status="completed", at=2.0, by="oa-user")
    assert inbox.close("todo-0001", user_id=None, status="completed", at=3.0, by="hub").closed_at == 2.0
    with pytest.raises(InboxError, match="already completed"):
        inbox.close("todo-0001", user_id=None, status="completed", at=3.0, by="oa-user")
    assert inbox.open_items("mgr-1", "todo") == []
    assert inbox.snapshot()["users"] == {"mgr-1": {"todo": [], "toread": ["read-0001"]}}


def test_feed_has_the_rfc4287_elements():
    data = build_feed("mgr-1", "toread", [item("read-2", "toread", at=20.0), item("read-1", "toread", at=10.0)],
                      updated=20.0, links={"self": "http://127.0.0.1:1/feeds/mgr-1/toread.atom"})
    feed = etree.fromstring(data)
    assert feed.findtext("a:id", namespaces=A) == "urn:onepoint:oa:feed:mgr-1:toread"
    assert feed.findtext("a:updated", namespaces=A).endswith("+08:00")
    assert feed.find("a:link[@rel='self']", A).get("type") == "application/atom+xml"
    entries = feed.findall("a:entry", A)
    assert [e.findtext("a:id", namespaces=A) for e in entries] == ["urn:onepoint:oa:item:read-2",
                                                                   "urn:onepoint:oa:item:read-1"]
    for entry in entries:
        for tag in ("a:title", "a:updated", "a:content"):
            assert entry.findtext(tag, namespaces=A)
        assert entry.find("a:link[@rel='alternate']", A).get("href") == "https://hub.example/wo/1"
        terms = {c.get("scheme"): c.get("term") for c in entry.findall("a:category", A)}
        assert terms == {"urn:onepoint:oa:inbox": "toread", "urn:onepoint:oa:priority": "2"}
        assert "read by 2026-11-23T15:00:00+08:00" in entry.findtext("a:content", namespaces=A)


def test_an_inbox_an_item_leaves_moves_its_last_change_on_never_back():
    inbox = Inbox(max_items=3)
    inbox.push(item("todo-1", user="mgr-a", at=10.0), "m1")
    inbox.push(item("todo-2", user="mgr-a", at=20.0), "m2")
    assert inbox.changed("mgr-a", "todo") == 20.0
    inbox.push(item("todo-2", user="mgr-b", at=30.0), "m3")  # the hub re-pushes it to another manager
    assert (inbox.changed("mgr-a", "todo"), inbox.changed("mgr-b", "todo")) == (30.0, 30.0)
    for n, at in ((3, 40.0), (4, 50.0)):  # the oldest, todo-1 of mgr-a, is evicted by the second
        inbox.push(item(f"todo-{n}", user="mgr-c", at=at), f"m{n + 1}")
    assert "todo-1" not in inbox.items and inbox.changed("mgr-a", "todo") == 50.0
    assert inbox.changed("mgr-a", "toread") is None


def test_a_feed_an_entry_left_is_updated_later_not_earlier(examples_dir):
    clock = FakeClock()
    push = (examples_dir / "oa" / "PushTodo.valid.xml").read_text()

    def pushed(item_id: str, user: str, message_id: str) -> None:
        body = (push.replace("todo-WO20261123A7K2M9Q1-overdue", item_id).replace("mgr-cs-0755-03", user)
                .replace("hub-0f1e2d3c4b5a6978", message_id))
        assert oa.http.post("/xml", content=body.encode(), headers={"content-type": "application/xml"}).is_success

    def updated(user: str) -> str:
        feed = etree.fromstring(oa.http.get(f"/feeds/{user}/todo.atom").content)
        return feed.findtext("a:updated", namespaces=A)

    with in_process_emulator(create_emulator(clock=clock)) as oa:
        pushed("todo-first-0001", "mgr-a", "hub-msg-000000000001")
        clock.advance(60)
        pushed("todo-second-0002", "mgr-a", "hub-msg-000000000002")
        before = updated("mgr-a")
        clock.advance(60)
        pushed("todo-second-0002", "mgr-b", "hub-msg-000000000003")
        assert updated("mgr-a") > before and updated("mgr-a") == updated("mgr-b")
