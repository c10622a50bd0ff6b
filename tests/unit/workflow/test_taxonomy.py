"""The packaged complaint taxonomy, its API, the dispatch templates' field checks and `onepoint taxonomy`."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.taxonomy import FieldSpec, UnknownCategory, load_taxonomy

pytestmark = pytest.mark.unit

ORIGINATE = "01.02.03"
ORIGINATE_FIELDS = ("msisdn", "terminal_type", "fault_time", "fault_place", "announcement_heard",
                    "calling_functions_affected", "contact_number")
COMPLETE = {"msisdn": "13800138000", "terminal_type": "Nokia 6300", "fault_time": "2011-05-04 08:30",
            "fault_place": "Tianhe Road, near the sports centre", "announcement_heard": "none, the call fails",
            "calling_functions_affected": "all outgoing calls", "contact_number": "020-87654321"}


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_packaged_data_has_the_realistic_seed(taxonomy):
    counts = taxonomy.counts()
    assert 6 <= counts["domains"] <= 10
    assert 18 <= counts["services"] <= 26
    assert 100 <= counts["phenomena"] <= 120
    assert 3 <= counts["refinements"] <= 10
    assert 20 <= counts["templates"] <= 40
    assert len(taxonomy) == sum(counts[level] for level in ("domains", "services", "phenomena", "refinements"))
    assert taxonomy.unused_templates() == [] and taxonomy.unused_fields() == []


def test_every_phenomenon_code_is_a_category_code_of_the_schemas(taxonomy):
    xsd = resources.files("onepoint_schemas").joinpath("common.xsd").read_text("utf-8")
    pattern = re.search(r'name="CategoryCode">.*?<xs:pattern value="([^"]+)"', xsd, re.S).group(1)
    codes = [category.code for category in taxonomy if category.level >= 3]
    assert codes and all(re.fullmatch(pattern, code) for code in codes)
    assert not any(re.fullmatch(pattern, category.code) for category in taxonomy if category.level < 3)


def test_cannot_originate_carries_the_fields_of_the_example_and_goes_to_nsp(taxonomy):
    template = taxonomy.phenomenon(ORIGINATE)
    assert template.field_names == ORIGINATE_FIELDS
    assert (template.target.code, template.target.system) == ("NMC", "NSP")
    assert template.target.name == "Provincial network management centre"
    assert 3 <= len(template.questions) <= 5
    assert any("line 2" in check for check in template.checks)
    assert taxonomy.path(ORIGINATE) == ("Basic voice and network quality", "Cannot connect within the network",
                                        "Cannot originate")


def test_refinements_inherit_their_phenomenons_template_unless_they_name_one(taxonomy):
    assert taxonomy.phenomenon("01.02.03.002") is taxonomy.phenomenon(ORIGINATE)
    since_reconnection = taxonomy.phenomenon("01.02.03.001")
    assert since_reconnection.id == "user_data_sync" and since_reconnection.target.system == "BOSS"
    assert taxonomy.category("01.02.03.002").inherited and not taxonomy.category("01.02.03.001").inherited
    assert taxonomy.path("01.02.03.001")[:3] == taxonomy.path(ORIGINATE)
    for refinement in taxonomy.refinements():
        assert refinement.template is not None
        assert taxonomy.category(refinement.parent).level == 3


def test_every_phenomenon_has_a_usable_template(taxonomy):
    for category in taxonomy.phenomena():
        template = taxonomy.phenomenon(category.code)
        assert 1 <= len(template.questions) <= 5, category.code
        assert template.checks and template.fields[0].name == "msisdn", category.code
        assert template.target.system in {"BOSS", "CRM", "NSP", "DSMP", "OA"}


def test_domains_and_services_are_not_phenomena(taxonomy):
    with pytest.raises(UnknownCategory, match=r"01\.02 is a service"):
        taxonomy.phenomenon("01.02")
    with pytest.raises(UnknownCategory, match=r"99\.01\.01"):
        taxonomy.phenomenon("99.01.01")
    with pytest.raises(UnknownCategory):
        taxonomy.path("01.99")


def test_iteration_is_in_code_order_and_services_are_level_two(taxonomy):
    codes = [category.code for category in taxonomy]
    assert codes == sorted(codes) and codes[0] == "01"
    services = taxonomy.services()
    assert all(service.level == 2 for service in services) and "01.02" in [s.code for s in services]
    assert [c.code for c in taxonomy.children("01.02.03")] == ["01.02.03.001", "01.02.03.002"]
    assert ORIGINATE in taxonomy and "01.02.09" not in taxonomy


def test_complete_dispatch_misses_nothing(taxonomy):
    assert taxonomy.phenomenon(ORIGINATE).missing_fields({**COMPLETE, "unrelated": ""}) == []


def test_missing_and_blank_fields_are_named_in_template_order(taxonomy):
    fields = {**COMPLETE, "fault_place": "   ", "contact_number": ""}
    del fields["terminal_type"]
    assert taxonomy.phenomenon(ORIGINATE).missing_fields(fields) == [
        "terminal_type (Terminal make and model): missing",
        "fault_place (Fault place (a landmark, street or building)): missing",
        "contact_number (Contact number): missing",
    ]


def test_values_failing_their_type_are_named(taxonomy):
    fields = {**COMPLETE, "msisdn": "1380013800", "fault_time": "yesterday evening", "contact_number": "5555"}
    missing = taxonomy.phenomenon(ORIGINATE).missing_fields(fields)
    assert [entry.split(" ", 1)[0] for entry in missing] == ["msisdn", "fault_time", "contact_number"]
    assert "not a mobile number" in missing[0] and "not a date and time" in missing[1]


@pytest.mark.parametrize(("field_type", "good", "bad"), [
    ("msisdn", "15912345678", "25912345678"),
    ("phone", "0755-83211234", "0755"),
    ("datetime", "2010-12-31T23:59", "2010-13-01 10:00"),
    ("month", "201012", "201013"),
    ("amount", "12.50", "-3"),
    ("amount", "0", "1.005"),
    ("amount", "12.5", "1e1"),  # Decimal reads it; the systems dispatched to would not
    ("amount", "7", "12.500"),
    ("amount", "1000", "1_000"),
    ("text", "anything", None),
])
def test_field_types(field_type, good, bad):
    spec = FieldSpec("f", "F", field_type)
    assert spec.problem(good) is None
    if bad is not None:
        assert spec.problem(bad) is not None


@pytest.mark.parametrize("bad", ["2026-11-23", "20261123T0840", "2026-11-23T08", "2026-W48-1", "2026-11-23 8:40",
                                 "2026-11-23 08:61"])
def test_a_date_and_time_says_the_hour_and_minute(bad):
    spec = FieldSpec("fault_time", "Fault time", "datetime")
    assert spec.problem(bad) == "not a date and time (YYYY-MM-DD HH:MM)"
    for good in ("2026-11-23 08:40", "2026-11-23T08:40:05", "2026-11-23T08:40:00+08:00", "2026-11-23T00:40Z"):
        assert spec.problem(good) is None


def test_patterns_and_choices_narrow_a_field(taxonomy):
    assert taxonomy.fields["imei"].problem("35123456789012") == "does not match [0-9]{15}"
    assert taxonomy.fields["imei"].problem("351234567890123") is None
    assert taxonomy.fields["apn"].problem("internet") == "not one of cmnet, cmwap, other"
    sp = taxonomy.phenomenon("04.01.01")
    assert sp.target.system == "DSMP"
    assert any(entry.startswith("sp_code ") for entry in sp.missing_fields({"msisdn": "13800138000",
                                                                              "sp_code": "80-1234"}))


def test_cli_check_prints_the_counts(taxonomy):
    result = CliRunner().invoke(main, ["taxonomy", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(taxonomy.phenomena())} phenomena" in result.output and result.output.rstrip().endswith("ok")


def test_cli_show_a_phenomenon_prints_path_template_and_target():
    result = CliRunner().invoke(main, ["taxonomy", "show", ORIGINATE])
    assert result.exit_code == 0, result.output
    assert "01.02 Cannot connect within the network" in result.output
    for name in ORIGINATE_FIELDS:
        assert f"{name}:" in result.output
    assert "Provincial network management centre (NMC, through NSP)" in result.output


def test_cli_show_prints_the_tree_below_a_code(taxonomy):
    result = CliRunner().invoke(main, ["taxonomy", "show", "01.02"])
    assert result.exit_code == 0, result.output
    assert "01.02.03.001 Cannot originate since reconnection" in result.output
    assert "01.03 Call quality" not in result.output and "01.02.03 Cannot originate" in result.output
    whole = CliRunner().invoke(main, ["taxonomy", "show"])
    assert whole.exit_code == 0
    assert all(category.code in whole.output for category in taxonomy)


def test_cli_show_an_unknown_code_fails():
    result = CliRunner().invoke(main, ["taxonomy", "show", "42.42"])
    assert result.exit_code == 1 and "no category '42.42'" in result.output
