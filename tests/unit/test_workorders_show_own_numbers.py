"""``onepoint workorders show`` (masked) hides the work order's own numbers to their last four digits wherever it
prints them (audit: the contact number was ``…5432`` in its row but ``contact_number: 075583765432`` in the
dispatch fields' row, and whole in notes and changed values: a fixed-line number is no mobile number, which the
free-text masking alone finds)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.observability.masking import mask_number_in
from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit

WORK_ORDER = "WO20261206OWNNUM01"
CONTACT = "0755-83765432"  # the schema example's ContactNumber
SPELLINGS = ("075583765432", "0755-83765432", "0755 8376 5432", "(0755)8376-5432", "+86 755 8376 5432",
             "0086-755-83765432", "０７５５－８３７６５４３２", "(+86)755-83765432", "(+86) 755 8376 5432",
             "+86 (0)755 8376 5432", "(0086)(0)755-83765432")


@pytest.fixture
def config(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    fields = {"fault_place": "Futian", "msisdn": "13800138000", "contact_number": "075583765432",
              "callback": "+86 138 0013 8000 / 0755 8376 5432"}
    history = [HistoryEntry(at=T0, kind="state", actor="agent-7", system="CS", action="CREATE", to_state="NEW",
                            note="回拨 " + "，".join(SPELLINGS)),
               HistoryEntry(at=T0 + timedelta(minutes=1), kind="field", actor="agent-7", system="CS",
                            field="contact_number", old_value="0755-11112222", new_value=CONTACT),
               HistoryEntry(at=T0 + timedelta(minutes=2), kind="field", actor="agent-7", system="CS",
                            field="fault_place", old_value="near 0755-83765432", new_value="Futian")]
    with store.transaction() as tx:
        tx.insert_work_order(make_row(id=WORK_ORDER, msisdn="13800138000", contact_number=CONTACT,
                                      description="call me on 0755 8376 5432", dispatch_system="NSP",
                                      dispatch_fields=json.dumps(fields)), history=history)
    store.close()
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{url}"\n')
    return str(path)


def show(config: str, *options: str) -> str:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["workorders", "show", WORK_ORDER, "--config", config,
                                                             *options])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_the_work_orders_own_numbers_are_masked_wherever_they_are_printed(config: str) -> None:
    output = show(config)
    digits = "".join(ch for ch in output if ch.isdigit() or ch == "\n")  # separators and brackets dropped
    assert "83765432" not in digits and "８３７６５４３２" not in output
    assert "11112222" not in digits  # the contact number before, in the changed value
    assert "00138000" not in digits and "138****8000" not in output  # the customer's: no more than its row shows
    assert "contact_number: …5432" in output and "msisdn: …8000" in output and "callback: …8000 / …5432" in output
    assert "call me on …5432" in output and "contact_number: …2222 → …5432" in output and "near …5432" in output


def test_unmasked_prints_them_as_written(config: str) -> None:
    output = show(config, "--unmasked")
    assert "contact_number: 075583765432" in output and "contact_number: 0755-11112222 → 0755-83765432" in output
    assert "call me on 0755 8376 5432" in output and "callback: +86 138 0013 8000 / 0755 8376 5432" in output


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_known_fixed_line_number_is_found_however_spelt(spelling: str) -> None:
    assert mask_number_in(f"tel {spelling}.", CONTACT, "…5432") == "tel …5432."


@pytest.mark.parametrize("text", ["id 1075583765432", "0755837654321", "7558376543", "(+86)7558376543",
                                  "+86 (0)755837654321", "(+86) 2026-12-07"])
def test_a_number_glued_to_digits_or_cut_short_is_something_else(text: str) -> None:
    assert mask_number_in(text, CONTACT, "…5432") == text


def test_a_short_number_is_looked_for_nowhere() -> None:
    assert mask_number_in("call 10086 or 110", "10086", "…0086") == "call 10086 or 110"
