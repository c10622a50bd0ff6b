"""Loading a broken taxonomy: every problem of every file is named together, with its file and code or key."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.taxonomy import TaxonomyError, load_taxonomy

pytestmark = pytest.mark.unit

BASE_CATEGORIES = """
categories = [
  { code = "01", name = "Basic voice" },
  { code = "01.02", name = "Cannot connect within the network" },
  { code = "01.02.03", name = "Cannot originate", template = "voice" },
  { code = "01.02.03.004", name = "Since reconnection" },
]
"""

BASE_TABLES = """
[fields.msisdn]
label = "Phone number"
type = "msisdn"

[fields.fault_time]
label = "Fault time"
type = "datetime"

[targets.NMC]
name = "Provincial network management centre"
system = "NSP"

[templates.voice]
name = "Voice fault"
target = "NMC"
questions = ["Since when?", "Where?", "What do you hear?"]
checks = ["Outgoing-call barring"]
fields = ["msisdn", "fault_time"]

"""
BASE = BASE_CATEGORIES + BASE_TABLES  # an array after a [table] would belong to that table

BROKEN = """
categories = [
  { code = "1.02", name = "Bad format" },
  { code = "01", name = "Basic voice again" },
  { code = "09.01", name = "Service of a missing domain" },
  { code = "01.02.04", name = "No template" },
  { code = "01.02.05", name = "", template = "voice" },
  { code = "01.02.06", name = "Unknown template", template = "nope" },
  { code = "01.02", name = "Service again" },
  { code = "01.07.01.001", name = "Refinement of nothing" },
  { code = "01.03", name = "Service with a template", template = "voice" },
  { code = "01.02.07", name = "Typo", templat = "voice" },
]

[fields.amount]
label = ""
type = "money"

[fields.imei]
label = "IMEI"
pattern = "[0-9{15}"

[targets.BILLING]
name = "Billing centre"
system = "ERP"

[templates.chatty]
name = "  "
target = "NOWHERE"
questions = ["1?", "2?", "3?", "4?", "5?", "6?"]
checks = ["look"]
fields = ["msisdn", "colour", "msisdn"]

"""

EXPECTED = [  # (file, key, what) of every problem BROKEN has, and nothing else
    ("b.toml", "fields.amount", "empty or missing label"),
    ("b.toml", "fields.amount", "unknown type 'money'"),
    ("b.toml", "fields.imei", "pattern is not a regular expression"),
    ("b.toml", "targets.BILLING", "unknown system 'ERP'"),
    ("b.toml", "templates.chatty", "empty or missing name"),
    ("b.toml", "templates.chatty", "unknown target 'NOWHERE'"),
    ("b.toml", "templates.chatty", "6 intake questions (at most 5"),
    ("b.toml", "templates.chatty", "unknown field 'colour'"),
    ("b.toml", "templates.chatty", "field 'msisdn' listed twice"),
    ("b.toml", "1.02", "bad code '1.02'"),
    ("b.toml", "01", "duplicate code (first in "),
    ("b.toml", "01.02", "duplicate code (first in "),
    ("b.toml", "09.01", "parent 09 (domain) is missing"),
    ("b.toml", "01.02.04", "phenomenon without a dispatch template"),
    ("b.toml", "01.02.05", "empty or missing name"),
    ("b.toml", "01.02.06", "unknown template 'nope'"),
    ("b.toml", "01.07.01.001", "refinement not under a phenomenon: no level-3 category 01.07.01"),
    ("b.toml", "01.03", "a service takes no template"),
    ("b.toml", "01.02.07", "unknown key 'templat'"),
    ("b.toml", "01.02.07", "phenomenon without a dispatch template"),
]


@pytest.fixture
def base_dir(tmp_path):
    (tmp_path / "a.toml").write_text(BASE, encoding="utf-8")
    return tmp_path


def test_the_base_of_these_tests_is_valid(base_dir):
    taxonomy = load_taxonomy(base_dir)
    assert taxonomy.counts()["phenomena"] == 1
    assert taxonomy.phenomenon("01.02.03.004").target.system == "NSP"
    assert load_taxonomy(base_dir / "a.toml").path("01.02.03.004")[-1] == "Since reconnection"


def test_every_problem_is_named_in_one_error(base_dir):
    (base_dir / "b.toml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(base_dir)
    problems = caught.value.problems
    for source, key, what in EXPECTED:
        assert any(p.source.endswith(source) and p.key == key and what in p.message for p in problems), (key, what)
    assert len(problems) == len(EXPECTED), "\n".join(map(str, problems))
    duplicate = next(p for p in problems if p.key == "01")
    assert duplicate.message.endswith("a.toml)")
    message = str(caught.value)
    assert message.startswith(f"{len(EXPECTED)} problem(s) in the complaint taxonomy:")
    assert all(str(problem) in message for problem in problems)


def test_the_error_is_deterministic(base_dir):
    (base_dir / "b.toml").write_text(BROKEN, encoding="utf-8")
    messages = set()
    for _ in range(3):
        with pytest.raises(TaxonomyError) as caught:
            load_taxonomy(base_dir)
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_duplicate_templates_fields_and_targets_across_files(base_dir):
    (base_dir / "b.toml").write_text(BASE_TABLES, encoding="utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(base_dir)
    keys = sorted(p.key for p in caught.value.problems)
    assert keys == ["fields.fault_time", "fields.msisdn", "targets.NMC", "templates.voice"]
    assert all("duplicate" in p.message and p.source.endswith("b.toml") for p in caught.value.problems)


@pytest.mark.parametrize(("text", "what"), [
    ("categories = [", "not valid TOML"),
    ("[areas.GZ]\nname = 'Guangzhou'", "unknown section"),
    ("categories = { code = '01' }", "must be an array of tables"),
    ("fields = 3", "must be tables [fields.KEY]"),
])
def test_unreadable_files_are_problems_too(base_dir, text, what):
    (base_dir / "b.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"b\.toml: .*" + re.escape(what)):
        load_taxonomy(base_dir)


@pytest.mark.parametrize(("text", "key", "what"), [
    ("[templates.t]\nname = 'T'\ntarget = 'NMC'\nquestions = []\nchecks = ['c']\nfields = ['msisdn']",
     "templates.t", "no intake questions"),
    ("[templates.t]\nname = 'T'\ntarget = 'NMC'\nquestions = ['q']\nchecks = ['', 'c']\nfields = ['msisdn']",
     "templates.t", "checks[0] is empty"),
    ("[templates.t]\nname = 'T'\ntarget = 'NMC'\nquestions = ['q']\nchecks = ['c']\nfields = []",
     "templates.t", "no fields"),
    ("[fields.apn]\nlabel = 'APN'\ntype = 'choice'", "fields.apn", "choices if and only if"),
    ("[fields.Bad-Name]\nlabel = 'Bad'", "fields.Bad-Name", "lower case letters"),
    ("[targets.OA]\nname = 'Office automation'\nsystem = 'BOSS'", "targets.OA", "the system itself"),
    ("[targets.PNMC]\nname = ''\nsystem = 'NSP'", "targets.PNMC", "empty or missing name"),
])
def test_template_field_and_target_rules(base_dir, text, key, what):
    (base_dir / "b.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(base_dir)
    assert [(p.key, what in p.message) for p in caught.value.problems] == [(key, True)], caught.value


def test_an_empty_directory_is_a_problem(tmp_path):
    with pytest.raises(TaxonomyError, match=r"no \*\.toml file"):
        load_taxonomy(tmp_path)


def test_cli_check_prints_every_problem_and_exits_1(base_dir):
    (base_dir / "b.toml").write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(main, ["taxonomy", "check", str(base_dir)])
    assert result.exit_code == 1
    for _, key, what in EXPECTED:
        assert any(f": {key}: " in line and what in line for line in result.output.splitlines()), (key, what)


def test_cli_check_a_valid_file(base_dir):
    result = CliRunner().invoke(main, ["taxonomy", "check", str(base_dir / "a.toml")])
    assert result.exit_code == 0, result.output
    assert "1 phenomena, 1 refinements" in result.output
