"""A manager acts on their own OA items only: completing a to-do or reading a to-read names the acting user
(``user_id``, required: 400 ``missing-user-id``), and another user's item is unknown to them (404). Before, a call
without ``user_id`` completed another manager's to-do, and the CompleteTodo call-back named that manager."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from emulators.oa import create_emulator
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
OA = "urn:onepoint:oa:1"
OWNER, OTHER = "mgr-cs-0755-01", "mgr-cs-0755-02"


def test_the_acting_user_is_required_and_only_their_items_change(examples_dir: Path) -> None:
    with in_process_emulator(create_emulator(clock=FakeClock())) as oa:
        items = {}
        for name in ("PushTodo", "PushToRead"):
            document = etree.parse(str(examples_dir / "oa" / f"{name}.valid.xml")).getroot()
            document.find(f"{{{OA}}}UserId").text = OWNER  # type: ignore[union-attr]
            assert oa.http.post("/xml", content=etree.tostring(document), headers=XML).is_success
            items[name] = document.findtext(f"{{{OA}}}ItemId")
        routes = (f"/oa/todos/{items['PushTodo']}/complete", f"/oa/toreads/{items['PushToRead']}/read")
        for route in routes:
            for body in ({}, {"user_id": ""}):
                missing = oa.http.post(route, json=body)
                assert missing.status_code == 400 and missing.json()["code"] == "missing-user-id"
                assert "user_id" in missing.json()["error"]
            assert oa.http.post(route).status_code == 400  # no body at all
            other = oa.http.post(route, json={"user_id": OTHER})
            assert other.status_code == 404 and other.json()["code"] == "unknown-item"
        assert all(item["status"] == "open" for item in oa.state()["items"]) and oa.state()["callbacks"] == []
        for route in routes:
            assert oa.http.post(route, json={"user_id": OWNER}).status_code == 200
