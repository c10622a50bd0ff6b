"""The customer's satisfaction in the listeners' events (``troubleTicket.satisfaction``, ``hub.workflow.events``) is
no TMF621 field: docs/event-listeners.md names it a hub extension with its values (workorder.xsd's wo:Satisfaction).
Before, the field was sent and documented nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from hub.workflow.events import trouble_ticket
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit
ROOT = Path(__file__).parents[3]
XS = "{http://www.w3.org/2001/XMLSchema}"


def satisfaction_values() -> list[str]:
    schema = etree.parse(str(ROOT / "schemas" / "workorder.xsd"))
    [simple] = [t for t in schema.iter(f"{XS}simpleType") if t.get("name") == "Satisfaction"]
    return [e.get("value") or "" for e in simple.iter(f"{XS}enumeration")]


def test_the_satisfaction_extension_is_documented_with_its_values() -> None:
    row = {"id": "WO20261123A7K2M9Q1", "state": "RETURN_VISITED", "satisfaction": "DISSATISFIED", "msisdn": None,
           "created_at": START, "updated_at": START}
    assert trouble_ticket(row)["satisfaction"] == "DISSATISFIED"  # top level, as the events carry it
    doc = (ROOT / "docs" / "event-listeners.md").read_text(encoding="utf-8")
    found = re.search(r"^- \*\*`satisfaction` is a hub extension\.\*\*(.*?)(?=^- |\Z)", doc, re.M | re.S)
    assert found is not None, "docs/event-listeners.md does not name troubleTicket.satisfaction a hub extension"
    for value in satisfaction_values():
        assert f"`{value}`" in found.group(1)
