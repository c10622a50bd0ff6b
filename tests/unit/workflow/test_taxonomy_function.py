"""NSP's FunctionAffected comes from the taxonomy's data: a template's optional ``function`` (an nsp:FunctionAffected
code, checked at load), set in the seed for the voice, busy-network, coverage and roaming templates. It was a table
of template ids in hub/workflow/network_dispatch.py, so a level-4 refinement with its own copy of a template (or a
template merely renamed) went to NSP as CALL_QUALITY instead of, say, RECEIVE_CALL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.workflow import network_dispatch
from hub.workflow.changes import DISPATCH_FOLLOW_UP, FollowUp
from hub.workflow.network_dispatch import functions_affected, nsp_dispatch
from hub.workflow.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

pytestmark = pytest.mark.unit

NSP = "urn:onepoint:nsp:1"
SEED_FUNCTIONS = {"voice_originate": "ORIGINATE_CALL", "voice_terminate": "RECEIVE_CALL",
                  "network_busy": "ORIGINATE_CALL", "voice_quality": "CALL_QUALITY", "coverage": "CALL_QUALITY",
                  "roaming": "ROAMING"}
NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def _metro_copy_of_voice_terminate(seed: Path) -> Taxonomy:
    """An analyst's refinement 01.02.01.009 with its own copy of voice_terminate (metro_terminate)."""
    templates = seed / "templates.toml"
    text = templates.read_text("utf-8")
    start = text.index("[templates.voice_terminate]")
    end = text.index("[templates.", start + 1)
    copy = text[start:end].replace("[templates.voice_terminate]", "[templates.metro_terminate]")
    templates.write_text(text + "\n" + copy, "utf-8")
    categories = seed / "categories.toml"
    anchor = '{ code = "01.02.01", name = "Cannot be called", name_zh = "无法被叫", template = "voice_terminate" },\n'
    text = categories.read_text("utf-8")
    assert anchor in text
    categories.write_text(text.replace(anchor, anchor + '{ code = "01.02.01.009", name = "Cannot be called in the '
                                       'metro", template = "metro_terminate" },\n'), "utf-8")
    return load_taxonomy(seed)


def _dispatched_functions(taxonomy: Taxonomy, category_code: str, fields: dict[str, str]) -> list[str | None]:
    template = taxonomy.phenomenon(category_code)
    row = {"id": "WO20261206ABCDEFGH", "msisdn": "13800138000", "category_code": category_code,
           "phenomenon": "Cannot be called", "description": "callers hear powered off", "location": "Futian",
           "area_code": "0755", "district": None, "occurred_at": NOW, "contact_number": "13900139000",
           "priority": "NORMAL", "reply_due": NOW}
    follow_up = FollowUp(DISPATCH_FOLLOW_UP, row, {"fields": {**fields, "_template": template.id},
                                                   "template_fields": template.field_names})
    document = nsp_dispatch(follow_up, NOW, "agent-1024", taxonomy=taxonomy)
    return [element.text for element in document.iterfind(f"{{{NSP}}}FunctionAffected")]


def test_the_seed_names_the_function_of_the_templates_the_table_had() -> None:
    taxonomy = load_taxonomy()
    assert {t.id: t.function for t in taxonomy.templates.values() if t.function} == SEED_FUNCTIONS
    assert not hasattr(network_dispatch, "FUNCTION_OF_TEMPLATE")


def test_a_refinements_own_copy_of_a_template_goes_to_nsp_with_its_function(seed: Path) -> None:
    taxonomy = _metro_copy_of_voice_terminate(seed)
    free_text = {"calling_functions_affected": "local, long-distance"}
    assert _dispatched_functions(taxonomy, "01.02.01.009", free_text) == ["RECEIVE_CALL"]
    assert _dispatched_functions(taxonomy, "01.02.01", free_text) == ["RECEIVE_CALL"]


def test_a_template_renamed_keeps_its_function(seed: Path) -> None:
    for name in ("templates.toml", "categories.toml"):
        path = seed / name
        path.write_text(path.read_text("utf-8").replace("voice_originate", "mo_call"), "utf-8")
    taxonomy = load_taxonomy(seed)
    assert _dispatched_functions(taxonomy, "01.02.03", {}) == ["ORIGINATE_CALL"]


def test_the_agents_codes_come_first_then_the_template_then_the_domain() -> None:
    assert functions_affected({"calling_functions_affected": "receive_sms"}, "RECEIVE_CALL", "01.02.01") == [
        "RECEIVE_SMS"]
    assert functions_affected({}, "ROAMING", "01.05.01") == ["ROAMING"]
    assert functions_affected({}, None, "02.01.01") == ["DATA"]
    assert functions_affected({}, None, "03.01.01") == ["SEND_SMS"]
    assert functions_affected({}, None, "01.03.01") == ["CALL_QUALITY"]


def test_a_function_nsp_does_not_know_is_named(seed: Path) -> None:
    templates = seed / "templates.toml"
    text = templates.read_text("utf-8")
    templates.write_text(text.replace('function = "RECEIVE_CALL"', 'function = "RECIEVE_CALL"', 1), "utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(seed)
    ((problem),) = caught.value.problems
    assert problem.key == "templates.voice_terminate"
    assert "unknown function 'RECIEVE_CALL'" in problem.message and "RECEIVE_CALL" in problem.message
