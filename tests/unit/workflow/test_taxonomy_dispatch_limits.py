"""A template no dispatch could satisfy is refused by the taxonomy check, each violation named: a field name
longer than wo:FieldName allows, more required fields than a wo:Dispatch carries (besides the msisdn and contact
number the hub adds), a choice longer than a field's value (c:ShortText). Such a taxonomy passed the check, the
hub started, and every dispatch of its phenomena was refused for ever. The limits are the XSDs' facts; this test
reads the XSDs and holds the constants to them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from hub.workflow.network_dispatch import FUNCTION_CODES as NSP_FUNCTION_CODES
from hub.workflow.network_dispatch import MAX_FIELDS
from hub.workflow.taxonomy import TaxonomyError, load_taxonomy
from hub.workflow.taxonomy.dispatch_limits import (
    CHECKS_DONE,
    DISPATCH_FIELDS,
    FIELD_NAME_LENGTH,
    FIELD_VALUE_LENGTH,
    FUNCTION_CODES,
    LONG_TEXT,
    SHORT_TEXT,
)

pytestmark = pytest.mark.unit

XS = "{http://www.w3.org/2001/XMLSchema}"


def _schema(name: str) -> etree._ElementTree:
    return etree.parse(str(resources.files("onepoint_schemas") / name))


def _named(schema: etree._ElementTree, kind: str, name: str) -> etree._Element:
    (found,) = schema.getroot().iterfind(f"{XS}{kind}[@name='{name}']")
    return found


def _field_element(schema: etree._ElementTree, container: str) -> etree._Element:
    (field,) = _named(schema, "complexType", container).iterfind(f".//{XS}element[@name='Field']")
    return field


def test_the_constants_are_the_schemas_facts() -> None:
    workorder, nsp, common = _schema("workorder.xsd"), _schema("nsp.xsd"), _schema("common.xsd")
    for schema in (workorder, nsp):
        pattern = _named(schema, "simpleType", "FieldName").find(f".//{XS}pattern")
        assert pattern is not None and pattern.get("value") == f"[a-z][a-z0-9_]{{0,{FIELD_NAME_LENGTH - 1}}}"
        value_type = _named(schema, "complexType", "DispatchField").find(f".//{XS}extension")
        assert value_type is not None and value_type.get("base") == "c:ShortText"
    for schema, container in ((workorder, "Dispatch"), (workorder, "CreateWorkOrder"),
                              (nsp, "NetworkComplaintDispatch")):
        assert _field_element(schema, container).get("maxOccurs") == str(DISPATCH_FIELDS), container
    longest = _named(common, "simpleType", "ShortText").find(f".//{XS}maxLength")
    assert longest is not None and longest.get("value") == str(FIELD_VALUE_LENGTH)
    functions = _named(nsp, "simpleType", "FunctionAffected").iterfind(f".//{XS}enumeration")
    assert tuple(e.get("value") for e in functions) == FUNCTION_CODES
    assert NSP_FUNCTION_CODES == FUNCTION_CODES and MAX_FIELDS == DISPATCH_FIELDS


TARGET = """
categories = [
  { code = "01", name = "Basic voice" },
  { code = "01.02", name = "Cannot connect" },
  { code = "01.02.03", name = "Cannot originate", template = "voice" },
]

[targets.NMC]
name = "Network management centre"
system = "NSP"

[fields.msisdn]
label = "Phone number"
type = "msisdn"

[fields.contact_number]
label = "Contact number"
type = "phone"
"""


def _taxonomy(tmp_path: Path, fields: list[str], extra: str = "") -> Path:
    declared = "".join(f'\n[fields.{name}]\nlabel = "{name}"\n' for name in fields)
    listed = ", ".join(f'"{name}"' for name in ["msisdn", "contact_number", *fields])
    path = tmp_path / "taxonomy.toml"
    path.write_text(TARGET + declared + extra + f'\n[templates.voice]\nname = "Voice"\ntarget = "NMC"\n'
                    f'questions = ["Where?"]\nchecks = ["Barring"]\nfields = [{listed}]\n', "utf-8")
    return path


def _problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    return [(problem.key, problem.message) for problem in caught.value.problems]


def test_a_field_name_longer_than_wo_field_name_allows_is_named(tmp_path: Path) -> None:
    name = "customer_preferred_callback_time_window_local"  # 45 characters
    ((key, message),) = _problems(_taxonomy(tmp_path, [name]))
    assert key == f"fields.{name}"
    assert "45 characters" in message and "wo:FieldName, at most 40" in message


def test_a_field_name_of_forty_characters_is_taken(tmp_path: Path) -> None:
    assert load_taxonomy(_taxonomy(tmp_path, ["f" * 40])).phenomenon("01.02.03").field_names[-1] == "f" * 40


def test_forty_fields_besides_the_hubs_two_are_taken_forty_one_are_named(tmp_path: Path) -> None:
    forty = [f"field_{n}" for n in range(40)]
    assert len(load_taxonomy(_taxonomy(tmp_path, forty)).phenomenon("01.02.03").fields) == 42
    ((key, message),) = _problems(_taxonomy(tmp_path, [*forty, "field_40"]))
    assert key == "templates.voice"
    assert "41 fields besides msisdn and contact_number" in message and "at most 40" in message


def test_a_choice_longer_than_a_fields_value_is_named(tmp_path: Path) -> None:
    long = "x" * 201
    extra = f'\n[fields.apn]\nlabel = "APN"\ntype = "choice"\nchoices = ["cmnet", "{long}"]\n'
    ((key, message),) = _problems(_taxonomy(tmp_path, [], extra))
    assert key == "fields.apn"
    assert "choices[1] is 201 characters" in message and "at most 200" in message


def test_texts_longer_than_query_templates_answer_carries_are_named(tmp_path: Path) -> None:
    """QueryTemplate answers names and labels as c:ShortText, questions, checks and patterns as c:LongText: a longer
    one passed the check and made every answer of the template fail its schema (regression audit, repro_3)."""
    label = "L" * 201
    question = "Q" * 4001
    path = _taxonomy(tmp_path, [], f'\n[fields.apn]\nlabel = "{label}"\n')
    path.write_text(path.read_text("utf-8").replace('questions = ["Where?"]', f'questions = ["Where?", "{question}"]')
                    .replace('name = "Network management centre"', f'name = "{"N" * 201}"'), "utf-8")
    found = dict(_problems(path))
    assert "label is 201 characters" in found["fields.apn"] and "c:ShortText, at most 200" in found["fields.apn"]
    assert "questions[1] is 4001 characters" in found["templates.voice"]
    assert "name is 201 characters" in found["targets.NMC"]


def test_the_answers_text_limits_are_the_schemas() -> None:
    common = _schema("common.xsd")
    for name, limit in (("ShortText", SHORT_TEXT), ("LongText", LONG_TEXT)):
        longest = _named(common, "simpleType", name).find(f".//{XS}maxLength")
        assert longest is not None and longest.get("value") == str(limit)


def test_the_checks_a_dispatch_carries_as_done_are_the_schemas() -> None:
    """wo:CheckDone (CreateWorkOrder, Dispatch) and nsp:CheckDone take as many as a template may list."""
    workorder, nsp = _schema("workorder.xsd"), _schema("nsp.xsd")
    for schema, container in ((workorder, "Dispatch"), (workorder, "CreateWorkOrder"),
                              (nsp, "NetworkComplaintDispatch")):
        (element,) = _named(schema, "complexType", container).iterfind(f".//{XS}element[@name='CheckDone']")
        assert element.get("maxOccurs") == str(CHECKS_DONE), container


def test_more_checks_than_a_dispatch_carries_as_done_are_named(tmp_path: Path) -> None:
    path = _taxonomy(tmp_path, [])
    ten = ", ".join(f'"Check {n}"' for n in range(1, 11))
    path.write_text(path.read_text("utf-8").replace('checks = ["Barring"]', f"checks = [{ten}]"), "utf-8")
    assert len(load_taxonomy(path).phenomenon("01.02.03").checks) == 10
    path.write_text(path.read_text("utf-8").replace('"Check 10"', '"Check 10", "Check 11"'), "utf-8")
    ((key, message),) = _problems(path)
    assert key == "templates.voice"
    assert "11 pre-processing checks" in message and "at most 10" in message
