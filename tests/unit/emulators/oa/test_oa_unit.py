"""OA inbox rules and the Atom feed builder, in-process."""

from __future__ import annotations

import pytest
from lxml import etree

from emulators.oa.feeds import ATOM_NS, build_feed
from emulators.oa.state import Inbox, InboxError, Item

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
                      updated=20.0, self_url="http://127.0.0.1:1/feeds/mgr-1/toread.atom")
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
