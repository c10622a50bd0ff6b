"""The simulator's documents agree with themselves (audit 5, defect 6): a CreateWorkOrder's OccurredAt is when the
fault occurred, as its template's fault time says (an outage's customers never before the outage began), and a
simulated agent's dispatch is its complaint's: the template's target department and system, instructions written
from its phenomenon, area and fields, never the command set example's (another complaint's)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lxml import etree

from hub.demo.documents import work_order_action
from hub.simulate import arrivals, build_scenario
from hub.simulate.documents import action
from hub.simulate.scenario import CHINA
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.documents import DocumentSetValidator
from hub.validation.parser import ParserLimits

pytestmark = pytest.mark.unit

WO = "{urn:onepoint:workorder:1}"
EXAMPLE = ("Cannot originate within the network since 08:40", "near Shenzhen Civic Center", "NOC-PROV")


def _field(document: etree._Element, name: str) -> str:
    return str(document.xpath(f"//*[local-name()='Field'][@name='{name}']/text()")[0])


def test_occurred_at_is_when_the_fault_occurred_as_the_template_says() -> None:
    scenario = build_scenario(1, 0.05)
    checked = 0
    for arrival in arrivals(scenario):
        document = etree.fromstring(arrival.document("m-1"))
        occurred = datetime.fromisoformat(document.findtext(f"{WO}OccurredAt") or "")
        assert occurred == arrival.occurred.replace(microsecond=0) and occurred <= arrival.at
        if arrival.kind == "outage":
            assert occurred >= scenario.outage.starts
        if "fault_time" in arrival.fields:
            fault_time = datetime.strptime(_field(document, "fault_time"), "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)
            assert timedelta(0) <= occurred - fault_time < timedelta(minutes=1), arrival
            checked += 1
    assert checked > 20


def test_a_simulated_agents_dispatch_is_its_complaints() -> None:
    scenario = build_scenario(1, 0.05)
    validator = DocumentSetValidator(CommandSetRegistry.installed(), ParserLimits(1_000_000, 50))
    network = [a for a in arrivals(scenario) if a.network]
    assert {a.category[:2] for a in network} == {"01", "02"}
    for arrival in network:
        for fields in (arrival.fields, arrival.full_fields):
            body = action("sim-test-000002", "WO20261124ABCDEFGH", "cs-agent-0001", "dispatch", fields=fields,
                          complaint=arrival)
            assert validator.validate_bytes(body).document_type.endswith("WorkOrderAction")
            dispatch = etree.fromstring(body).find(f"{WO}Dispatch")
            assert dispatch is not None
            target = scenario.taxonomy.phenomenon(arrival.category).target
            assert dispatch.findtext(f"{WO}ToDepartment") == target.code
            assert dispatch.findtext(f"{WO}ToSystem") == target.system
            instructions = dispatch.findtext(f"{WO}Instructions") or ""
            assert instructions.startswith(f"{arrival.phenomenon} in {arrival.district} ({arrival.area_code})")
            if fields.get("fault_place"):
                assert fields["fault_place"] in instructions
            assert not any(text in instructions for text in EXAMPLE)
            assert {f.get("name"): f.text for f in dispatch.iterfind(f"{WO}Field")} == fields
            assert 150 < len(instructions) < 400  # the size of the example's: the benchmarks' load stays alike


def test_a_dispatch_of_fields_alone_goes_where_their_template_goes() -> None:
    scenario = build_scenario(1, 0.05)
    data = next(a for a in arrivals(scenario) if a.network and a.category.startswith("02"))
    dispatch = etree.fromstring(work_order_action("m-3", "WO20261124ABCDEFGH", "cs-1", "dispatch",
                                                  fields=data.full_fields)).find(f"{WO}Dispatch")
    assert dispatch is not None
    assert dispatch.findtext(f"{WO}ToDepartment") == "DATA_NOC" and dispatch.findtext(f"{WO}ToSystem") == "NSP"
    assert not any(text in (dispatch.findtext(f"{WO}Instructions") or "") for text in EXAMPLE)
    given = work_order_action("m-4", "WO20261124ABCDEFGH", "cs-1", "dispatch", {"Dispatch/ToDepartment": "NMC"},
                              fields={})
    assert b"<wo:ToDepartment>NMC</wo:ToDepartment>" in given
    with pytest.raises(LookupError, match="no one dispatch target"):
        work_order_action("m-5", "WO20261124ABCDEFGH", "cs-1", "dispatch", fields={})
