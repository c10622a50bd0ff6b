"""The outage rule's data: which categories an outage of which service explains (checked at start, every problem
named), the configuration's override of the packaged seed, and the matching rules on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.bulletin.notice import AffectedArea
from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.datafile import DataFileError
from hub.workflow.outages import (
    AFFECTED_SERVICES,
    ComplaintFacts,
    OutageRule,
    StoredNotice,
    best_notice,
    explains,
    load_outage_services,
    parse_outage_services,
)
from hub.workflow.outages.matching import district_matches
from hub.workflow.runtime import open_runtime
from hub.workflow.taxonomy import load_taxonomy
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).parents[3] / "schemas"
TAXONOMY = load_taxonomy()
EVERY_SERVICE_EMPTY = {service: {"categories": []} for service in AFFECTED_SERVICES}


def test_the_services_are_nsp_xsds_affected_services() -> None:
    schema = etree.parse(str(SCHEMAS / "nsp.xsd"))
    xs = "http://www.w3.org/2001/XMLSchema"
    values = schema.xpath("//xs:simpleType[@name='AffectedService']//xs:enumeration/@value", namespaces={"xs": xs})
    assert tuple(values) == AFFECTED_SERVICES


def test_the_packaged_seed_loads_and_maps_categories_to_services() -> None:
    services = load_outage_services(None, TAXONOMY)
    assert services.services_of("01.02.03") == {"VOICE", "VOLTE"}
    assert services.services_of("01.02.03.002") == {"VOICE"}  # a TD terminal: not VoLTE (excluded there)
    assert services.services_of("01.02.03.001") == frozenset()  # HLR data: excluded from both
    assert services.services_of("02.01.01") == {"DATA"}
    assert services.services_of("01.05.02") == {"ROAMING"}
    assert services.services_of("05.01.01") == frozenset()  # billing: no outage explains it
    assert services.explains({"SMS", "DATA"}, "03.01.02")
    assert not services.explains({"SMS"}, "01.02.03")
    assert all(code in TAXONOMY for code in services.by_category)


def test_every_problem_of_the_data_file_is_named_at_once() -> None:
    document = {
        "services": {
            **EVERY_SERVICE_EMPTY,
            "VOICE": {"categories": ["01.02", "99.01", "1.2", "01.02"], "exclude": ["03.01.01"]},
            "TELEPATHY": {"categories": ["01.01"]},
            "SMS": {"categories": "03.01"},
            "MMS": {"categories": ["03.02"], "colour": "blue"},
            "DATA": ["02.01"],
        },
        "version": 2,
    }
    del document["services"]["WLAN"]  # type: ignore[attr-defined]
    with pytest.raises(DataFileError) as raised:
        parse_outage_services(document, TAXONOMY, source="outages.toml")
    problems = dict(raised.value.problems)
    message = str(raised.value)
    assert "outages.toml" in message
    assert "unknown key" in problems["version"]
    assert "not a category of the taxonomy" in message and "99.01" in message
    assert "'1.2' is not a category code" in message
    assert "01.02 appears twice" in message
    assert "03.01.01 is not under any of the service's categories" in problems["services.VOICE.exclude"]
    assert "unknown service" in problems["services.TELEPATHY"]
    assert "must be a list of category codes" in problems["services.SMS.categories"]
    assert "unknown key" in problems["services.MMS.colour"]
    assert "must be a table" in problems["services.DATA"]
    assert "missing" in problems["services.WLAN"]
    assert len(raised.value.problems) >= 10


def test_a_service_without_categories_must_say_so() -> None:
    document = {"services": {**EVERY_SERVICE_EMPTY, "VOICE": {"exclude": []}}}
    with pytest.raises(DataFileError) as raised:
        parse_outage_services(document, TAXONOMY)
    assert "categories = []" in dict(raised.value.problems)["services.VOICE.categories"]


def test_a_malformed_file_is_refused_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "outages.toml"
    broken.write_text("[services.VOICE\ncategories = [", encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid TOML"):
        load_outage_services(broken, TAXONOMY)
    with pytest.raises(DataFileError, match="cannot read"):
        load_outage_services(tmp_path / "missing.toml", TAXONOMY)


def test_the_configured_file_replaces_the_seed_and_is_checked_at_start(tmp_path: Path) -> None:
    only_data = tmp_path / "outages.toml"
    codes = {"DATA": '["02.01"]'}
    lines = [f"[services.{s}]\ncategories = {codes.get(s, '[]')}" for s in AFFECTED_SERVICES]
    only_data.write_text("\n".join(lines), encoding="utf-8")
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", outage_services=only_data)
    runtime = open_runtime(settings, clock=ManualClock(START))
    try:
        (rule,) = [r for r in runtime.intake_rules if isinstance(r, OutageRule)]
        assert rule is runtime.intake_rules[0]  # the first of the intake rules
        assert rule.services.services_of("01.02.03") == frozenset()
        assert rule.services.services_of("02.01.01") == {"DATA"}
        assert rule.services.source == str(only_data)
    finally:
        runtime.close()
    only_data.write_text("[services.VOICE]\ncategories = [\"42\"]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="42"):
        open_runtime(settings, clock=ManualClock(START))


def test_switched_off_there_is_no_rule(tmp_path: Path) -> None:
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", outage_auto_answer=False)
    runtime = open_runtime(settings, clock=ManualClock(START))
    try:
        assert not any(isinstance(r, OutageRule) for r in runtime.intake_rules)
        assert not any(isinstance(o, OutageRule) for o in runtime.engine.observers)
    finally:
        runtime.close()


# -- matching on its own ---------------------------------------------------------------------------------------

def notice(notice_id: str = "FLT-20261123-0001", *, areas: tuple[AffectedArea, ...] = (AffectedArea("0755"),),
           services: frozenset[str] = frozenset({"VOICE"}), start: datetime = START - timedelta(hours=1),
           cleared: datetime | None = None) -> StoredNotice:
    return StoredNotice(notice_id, 1, "FAULT", "a fault", "CLEARED" if cleared else "ACTIVE", services, areas, start,
                        None, cleared, f"wording of {notice_id}")


def facts(*, district: str | None = "Futian", occurred: datetime = START - timedelta(minutes=10),
          category: str = "01.02.03", area: str = "0755") -> ComplaintFacts:
    return ComplaintFacts(category, area, district, occurred, START)


SERVICES = load_outage_services(None, TAXONOMY)


def test_district_matching() -> None:
    assert district_matches("Futian, around Shenzhen Civic Center", "futian")
    assert district_matches("福田区", "福田区")
    assert not district_matches("Futian", "Nanshan")
    assert not district_matches("Futian", None)
    assert not district_matches("Futian", "  ")
    # a district with its suffix is the district; a piece of a name or a landmark's word is not
    assert district_matches("Futian", "Futian District") and district_matches("福田", "福田区")
    assert district_matches("Futian District", "futian") and district_matches("Longgang; Pingshan", "Pingshan")
    for not_it in ("Shenzhen", "Center", "an"):
        assert not district_matches("Futian, around Shenzhen Civic Center", not_it)
    assert not district_matches("Longgang", "Long") and not district_matches("Nanshan", "an")


def test_time_matching_uses_the_earlier_of_occurrence_and_intake() -> None:
    assert explains(notice(), SERVICES, facts())
    assert not explains(notice(), SERVICES, facts(occurred=START - timedelta(hours=2)))  # before the start
    later = facts(occurred=START + timedelta(hours=1))  # a customer's clock ahead: the intake time counts
    assert explains(notice(start=START - timedelta(minutes=1)), SERVICES, later)
    assert not explains(notice(start=START + timedelta(minutes=1)), SERVICES, later)
    assert not explains(notice(cleared=START - timedelta(minutes=20)), SERVICES, facts())
    assert explains(notice(cleared=START), SERVICES, facts())


def test_the_best_notice_names_the_district_then_started_last() -> None:
    area_wide = notice("FLT-20261123-0001")
    in_district = notice("FLT-20261123-0002", areas=(AffectedArea("0755", "Futian"),),
                         start=START - timedelta(hours=3))
    later = notice("FLT-20261123-0003", start=START - timedelta(minutes=30))
    cleared = notice("FLT-20261123-0004", cleared=START, start=START - timedelta(minutes=20))
    assert best_notice([area_wide, in_district, later, cleared], SERVICES, facts()) == in_district
    assert best_notice([area_wide, later, cleared], SERVICES, facts()) == later
    assert best_notice([area_wide, later], SERVICES, facts(district=None)) == later
    assert best_notice([area_wide], SERVICES, facts(category="05.01.01")) is None
    assert best_notice([], SERVICES, facts()) is None
    assert START.tzinfo is UTC
