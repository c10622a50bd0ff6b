"""Text XML 1.0 cannot hold (control characters, lone surrogates) given to an emulator's own JSON routes is a 400
naming the field, never a bare 500; ``sub`` names the element where lxml would raise a bare ValueError."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from emulators.nsp import create_emulator as create_nsp
from emulators.nsp.script import load_script
from emulators.oa import create_emulator as create_oa
from emulators.toolkit import FakeClock, in_process_emulator
from emulators.toolkit.xmlcommand import XmlTextError, sub
from emulators.toolkit.xmltext import check_json_text, xml_text_problem

pytestmark = pytest.mark.unit

JSON = {"content-type": "application/json"}
SPEC = {"title": "Fibre cut", "wording": "Fibre cut in Futian", "services": ["DATA"], "areas": ["0755"]}


def post(handle, path: str, payload: object):
    return handle.http.post(path, content=json.dumps(payload).encode(), headers=JSON)  # \ud800 as an escape


@pytest.mark.parametrize(("text", "problem"), [
    ("ok\ttab\nline\r", None), ("中文 ✓ \U0001F600", None), ("a\x01", "U+0001 at character 2"),
    ("\ud800x", "U+D800 at character 1"), ("x\ufffe", "U+FFFE at character 2"), ("\x00", "U+0000 at character 1"),
])
def test_what_xml_cannot_hold_is_found(text: str, problem: str | None) -> None:
    assert xml_text_problem(text) == problem


def test_sub_names_the_element_and_adds_nothing() -> None:
    root = etree.Element("r")
    with pytest.raises(XmlTextError, match=r"'Outcome' holds U\+0002") as caught:
        sub(root, "urn:x", "Outcome", "done\x02")
    assert caught.value.field == "Outcome" and len(root) == 0
    assert sub(root, "urn:x", "Flag", True).text == "true"


def test_a_json_document_is_checked_at_any_depth_keys_included() -> None:
    check_json_text({"a": [1, None, {"b": "fine"}]})
    with pytest.raises(XmlTextError, match=r"'areas\[1\].district' holds"):
        check_json_text({"areas": ["0755", {"area_code": "0755", "district": "Fu\x0btian"}]})
    with pytest.raises(XmlTextError, match=r"'bad\x01 \(a key\)'"):
        check_json_text({"bad\x01": 1})
    deep: object = "\x01"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(XmlTextError):
        check_json_text(deep)


@pytest.fixture
def nsp():
    with in_process_emulator(create_nsp(auto_reply=False, clock=FakeClock(start=1_795_395_600.0))) as handle:
        yield handle


@pytest.mark.parametrize(("field", "value"), [("title", "Futian\x01"), ("wording", "w\ud800"),
                                               ("content", "x\x1f")])
def test_nsp_raise_names_the_field(nsp, field: str, value: str) -> None:
    response = post(nsp, "/nsp/outages", {**SPEC, field: value})
    assert response.status_code == 400
    assert f"'{field}' holds" in response.json()["error"]
    assert nsp.http.get("/nsp/outages").json()["notices"] == []


def test_nsp_clear_and_reply_name_the_field(nsp) -> None:
    notice_id = post(nsp, "/nsp/outages", SPEC).json()["notice_id"]
    cleared = post(nsp, f"/nsp/outages/{notice_id}/clear", {"wording": "fixed\x0b"})
    assert cleared.status_code == 400 and "'wording' holds U+000B" in cleared.json()["error"]
    assert nsp.http.get("/nsp/outages").json()["notices"][0]["status"] == "ACTIVE"
    replied = post(nsp, "/nsp/tickets/any/reply", {"cause": "c\x00"})
    assert replied.status_code == 400 and "'cause' holds" in replied.json()["error"]


def test_oa_completion_names_the_outcome(examples_dir) -> None:
    with in_process_emulator(create_oa()) as oa:
        oa.http.post("/xml", content=(examples_dir / "oa" / "PushTodo.valid.xml").read_bytes(),
                     headers={"content-type": "application/xml"})
        item_id = oa.state()["items"][0]["item_id"]
        response = post(oa, f"/oa/todos/{item_id}/complete", {"outcome": "done\x02", "user_id": "mgr-cs-0755-03"})
        assert response.status_code == 400
        assert "'outcome' holds U+0002" in response.json()["error"]
        assert oa.state()["items"][0]["status"] != "completed"


@pytest.mark.parametrize("event", [
    {"at": 0, "raise": "cut", "title": "Fibre\x01", "wording": "w", "services": ["DATA"], "areas": ["0755"]},
    {"at": 5, "clear": "cut", "wording": "back\x0b"},
])
def test_a_notice_script_with_such_text_is_refused_when_loaded(event: dict[str, object]) -> None:
    raise_ok = {"at": 0, "raise": "cut", "title": "t", "wording": "w", "services": ["DATA"], "areas": ["0755"]}
    events = [event] if "raise" in event else [raise_ok, event]
    with pytest.raises(ValueError, match=r"holds U\+000"):
        load_script(events)
