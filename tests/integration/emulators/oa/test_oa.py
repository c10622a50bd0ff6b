"""The OA emulator over a real socket: pushes, completion both ways, Atom feeds, call-backs."""

from __future__ import annotations

import pytest
from lxml import etree

from emulators.oa import create_emulator
from emulators.toolkit import start_emulator
from emulators.toolkit.xmlcommand import validator
from tests.integration.emulators.nsp.test_nsp import assert_valid_response

pytestmark = pytest.mark.integration

OA = "urn:onepoint:oa:1"
C = "urn:onepoint:common:1"
ATOM = "http://www.w3.org/2005/Atom"
XML = {"content-type": "application/xml"}
NS = {"oa": OA, "c": C, "a": ATOM}
USER = "mgr-cs-0755-03"
TODO = "todo-WO20261123A7K2M9Q1-overdue"


def example(examples_dir, name: str) -> bytes:
    return (examples_dir / "oa" / name).read_bytes()


@pytest.fixture
def oa(receiver):
    with start_emulator(create_emulator(hub_url=receiver.url, hub_token="oa-dev-token", callback_backoff=0)) as h:
        yield h


def test_push_todo_and_to_read_are_acknowledged_and_listed(oa, examples_dir):
    for name in ("PushTodo.valid.xml", "PushToRead.valid.xml"):
        response = oa.http.post("/xml", content=example(examples_dir, name), headers=XML)
        assert response.status_code == 200
        root = assert_valid_response(response.content)
        request = etree.fromstring(example(examples_dir, name))
        assert root.findtext("oa:Ack/c:MessageId", namespaces=NS) == request.findtext("oa:Header/c:MessageId",
                                                                                      namespaces=NS)
        assert root.findtext("oa:Ack/c:Status", namespaces=NS) == "ACCEPTED"
        assert root.findtext("oa:ItemId", namespaces=NS) == request.findtext("oa:ItemId", namespaces=NS)
    again = oa.http.post("/xml", content=example(examples_dir, "PushTodo.valid.xml"), headers=XML)
    assert etree.fromstring(again.content).findtext("oa:Ack/c:Status", namespaces=NS) == "DUPLICATE"
    assert [i["item_id"] for i in oa.http.get(f"/oa/users/{USER}/items").json()["todo"]] == [TODO]


def test_invalid_push_is_refused_with_violations(oa, examples_dir):
    response = oa.http.post("/xml", content=example(examples_dir, "PushTodo.invalid-priority-five.xml"), headers=XML)
    assert response.status_code == 400
    root = assert_valid_response(response.content)
    assert root.findtext("c:Violation/c:Path", namespaces=NS) == "/oa:PushTodo/oa:Priority"


def test_feeds_are_atom_with_the_inbox_category(oa, examples_dir):
    oa.http.post("/xml", content=example(examples_dir, "PushTodo.valid.xml"), headers=XML)
    response = oa.http.get(f"/feeds/{USER}/todo.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    assert feed.tag == f"{{{ATOM}}}feed"
    assert feed.findtext("a:id", namespaces=NS) == f"urn:onepoint:oa:feed:{USER}:todo"
    for required in ("a:title", "a:updated", "a:author/a:name"):
        assert feed.findtext(required, namespaces=NS)
    assert feed.find("a:link[@rel='self']", NS).get("href") == f"{oa.base_url}/feeds/{USER}/todo.atom"
    (entry,) = feed.findall("a:entry", NS)
    assert entry.findtext("a:id", namespaces=NS) == f"urn:onepoint:oa:item:{TODO}"
    assert entry.findtext("a:title", namespaces=NS).startswith("超时工单")
    assert entry.findtext("a:updated", namespaces=NS)
    assert entry.find("a:link[@rel='alternate']", NS).get("href") == \
        "https://hub.onepoint.example/workorders/WO20261123A7K2M9Q1"
    assert entry.find("a:category[@scheme='urn:onepoint:oa:inbox']", NS).get("term") == "todo"
    assert entry.findtext("a:summary", namespaces=NS).startswith("Gold VIP")
    assert entry.findtext("a:content", namespaces=NS)
    toread = etree.fromstring(oa.http.get(f"/feeds/{USER}/toread.atom").content)
    assert toread.findall("a:entry", NS) == []  # the to-do is not in the to-read feed
    assert oa.http.get(f"/feeds/{USER}/other.atom").status_code == 404


def test_completing_in_oa_calls_the_hub_back(oa, receiver, examples_dir):
    oa.http.post("/xml", content=example(examples_dir, "PushTodo.valid.xml"), headers=XML)
    done = oa.http.post(f"/oa/todos/{TODO}/complete", json={"outcome": "Chased the network centre",
                                                                  "user_id": USER})
    assert done.status_code == 200, done.text
    (callback,) = receiver.wait_command("CompleteTodo")
    assert callback.path == "/xml/oa"
    assert callback.authorization == "Bearer oa-dev-token"
    command = validator().validate_bytes(callback.body, expected_set="oa")
    assert command.source_system == "OA"
    assert command.correlation_id == "hub-0f1e2d3c4b5a6978"
    assert callback.root.findtext("oa:ItemId", namespaces=NS) == TODO
    assert callback.root.findtext("oa:UserId", namespaces=NS) == USER
    assert callback.root.findtext("oa:Outcome", namespaces=NS) == "Chased the network centre"
    feed = etree.fromstring(oa.http.get(f"/feeds/{USER}/todo.atom").content)
    assert feed.findall("a:entry", NS) == []
    assert oa.http.post(f"/oa/todos/{TODO}/complete", json={"user_id": USER}).status_code == 409
    assert oa.http.post("/oa/todos/no-such-item/complete", json={"user_id": USER}).status_code == 404
    assert receiver.wait_for(lambda: oa.state()["callbacks"][0]["status"] == "delivered")


def test_complete_todo_from_the_hub_closes_without_a_call_back(oa, receiver, examples_dir):
    oa.http.post("/xml", content=example(examples_dir, "PushTodo.valid.xml"), headers=XML)
    complete = example(examples_dir, "CompleteTodo.valid.xml")
    assert etree.fromstring(complete).findtext("oa:ItemId", namespaces=NS) == TODO
    response = oa.http.post("/xml", content=complete, headers=XML)
    assert response.status_code == 200, response.text
    assert_valid_response(response.content)
    (stored,) = [i for i in oa.state()["items"] if i["item_id"] == TODO]
    assert (stored["status"], stored["closed_by"]) == ("completed", "hub")
    unknown = complete.replace(TODO.encode(), b"todo-unknown-0001").replace(b"<c:MessageId>", b"<c:MessageId>x", 1)
    assert oa.http.post("/xml", content=unknown, headers=XML).status_code == 404
    assert receiver.posts == []


def test_reading_a_to_read_leaves_its_feed(oa, examples_dir):
    oa.http.post("/xml", content=example(examples_dir, "PushToRead.valid.xml"), headers=XML)
    request = etree.fromstring(example(examples_dir, "PushToRead.valid.xml"))
    user, item = (request.findtext(f"oa:{t}", namespaces=NS) for t in ("UserId", "ItemId"))
    feed = etree.fromstring(oa.http.get(f"/feeds/{user}/toread.atom").content)
    assert feed.find("a:entry/a:category[@scheme='urn:onepoint:oa:inbox']", NS).get("term") == "toread"
    assert oa.http.post(f"/oa/toreads/{item}/read", json={"user_id": user}).status_code == 200
    assert etree.fromstring(oa.http.get(f"/feeds/{user}/toread.atom").content).findall("a:entry", NS) == []
    assert oa.http.post(f"/oa/todos/{item}/complete", json={"user_id": user}).status_code == 409  # a to-read
