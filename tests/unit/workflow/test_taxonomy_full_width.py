"""Dispatch fields typed with a Chinese input method's full-width digits (audit zh repro_5): every type read as
digits checks and dispatches them as ASCII; digits of other scripts are no amount."""

from __future__ import annotations

import pytest

from hub.workflow.taxonomy import FieldSpec, load_taxonomy

pytestmark = pytest.mark.unit

VOICE = {"msisdn": "13800138000", "contact_number": "13800138000", "terminal_type": "华为Mate60",
         "fault_time": "2026-12-06 08:40", "fault_place": "福田区深南大道", "announcement_heard": "无",
         "occurrence": "always", "calling_functions_affected": "本地"}


@pytest.mark.parametrize(("field_type", "typed", "dispatched"), [
    ("msisdn", "１３９８７６５４３２１", "13987654321"),
    ("msisdn", "＋８６　１３９－８７６５－４３２１", "13987654321"),
    ("phone", "１３９８７６５４３２１", "13987654321"),
    ("phone", "（０７５５）８３７６５４３２", "075583765432"),
    ("amount", "１２．５０", "12.50"),
    ("amount", "１２.５０", "12.50"),
    ("month", "２０２６１２", "202612"),
    ("datetime", "２０２６－１２－０６　０８：４０", "2026-12-06 08:40"),
    ("datetime", "２０２６-１２-０６Ｔ０８：４０：００＋０８：００", "2026-12-06T08:40:00+08:00"),
])
def test_full_width_digits_are_checked_and_dispatched_as_ascii(field_type: str, typed: str,
                                                               dispatched: str) -> None:
    spec = FieldSpec("f", "F", field_type)
    assert spec.normal(typed) == dispatched
    assert spec.problem(spec.normal(typed)) is None


def test_a_text_field_is_dispatched_as_it_was_typed() -> None:
    assert FieldSpec("f", "F", "text").normal("华为Ｍａｔｅ６０") == "华为Ｍａｔｅ６０"


@pytest.mark.parametrize("typed", ["١٢.٥٠", "１２．５０元", "१२"])
def test_an_amount_in_digits_of_another_script_is_refused(typed: str) -> None:
    spec = FieldSpec("amount", "Amount", "amount")
    assert spec.problem(spec.normal(typed)) == "not an amount in yuan (e.g. 12.50)"


def test_a_template_takes_and_dispatches_full_width_numbers_and_amounts() -> None:
    taxonomy = load_taxonomy()
    voice = taxonomy.phenomenon("01.02.01")
    given = voice.normalised({**VOICE, "peer_number": "１３９８７６５４３２１"})
    assert given["peer_number"] == "13987654321" and voice.missing_fields(given) == []
    sp = taxonomy.phenomenon("04.01.01")
    fields = {"msisdn": "13800138000", "contact_number": "13800138000", "sp_code": "123456", "service_code": "1",
              "access_number": "10658888", "fault_time": "２０２６－１２－０６ ０８:４０", "amount": "１２.５０"}
    given = sp.normalised(fields)
    assert (given["amount"], given["fault_time"]) == ("12.50", "2026-12-06 08:40")
    assert sp.missing_fields(given) == []


def test_a_mass_complaints_fault_report_keeps_a_full_width_value_a_complaint_gave() -> None:
    """The incident's fault report fills only the fields no complaint gave in a form the template takes: a
    full-width number or amount is such a form (the dispatch writes it in ASCII), not replaced by a placeholder."""
    from datetime import UTC, datetime

    from hub.workflow.incidents.opening import _placeholder

    voice = load_taxonomy().phenomenon("01.02.01")
    row = {"occurred_at": datetime(2026, 12, 6, 0, 40, tzinfo=UTC), "intake_point": "福田区", "msisdn": "13800138000",
           "contact_number": None}
    filled = _placeholder(voice, {**VOICE, "peer_number": "１３９８７６５４３２１"}, row, UTC)
    assert "peer_number" not in filled
