"""The SLA table's checks at load: an escalation role must be an OA user id (it becomes the to-do's UserId, and a
to-do OA's schema refuses would only fail at the first breach), and a limit or interval must be one a calendar can
place (at most 365 days), every problem named with the file, the key and the value."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.workflow.datafile import DataFileError, parse_duration
from hub.workflow.sla import MAX_LIMIT, load_sla_table
from tests.unit.workflow.deadline_kit import sla_seed_with, write

pytestmark = pytest.mark.unit

VIP_GOLD_CHAIN = ('[tiers.VIP_GOLD]\npriority = 1\nfirst_response = "20m"\nreply = "6h"\nwarning_share = 0.75\n'
                  'escalation = [')


@pytest.mark.parametrize("role", ["值班长", "Shift Leader", "-SHIFT", "S" * 33])
def test_a_role_oa_cannot_take_as_a_user_id_is_refused_naming_file_row_and_value(tmp_path: Path, role: str) -> None:
    path = write(tmp_path / "sla.toml", sla_seed_with(VIP_GOLD_CHAIN + '"SHIFT_LEADER"', VIP_GOLD_CHAIN + f'"{role}"'))
    with pytest.raises(DataFileError) as refused:
        load_sla_table(path)
    assert refused.value.source == str(path)
    [(key, message)] = refused.value.problems
    assert key == "tiers.VIP_GOLD.escalation"
    assert repr(role) in message and "OA user id" in message


def test_role_names_as_oa_takes_them_load(tmp_path: Path) -> None:
    path = write(tmp_path / "sla.toml", sla_seed_with(VIP_GOLD_CHAIN + '"SHIFT_LEADER"',
                                                      VIP_GOLD_CHAIN + '"shift.leader-2_a"'))
    assert load_sla_table(path).row("VIP_GOLD").escalation[0] == "shift.leader-2_a"


@pytest.mark.parametrize("value", ["9999999999d", "366d", "3000d", "8785h"])
def test_a_limit_longer_than_a_year_is_refused_not_crashed_on(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "sla.toml", sla_seed_with('reply = "6h"', f'reply = "{value}"'))
    with pytest.raises(DataFileError) as refused:
        load_sla_table(path)
    assert ("tiers.VIP_GOLD.reply", f"{value!r} is longer than 365 days") in refused.value.problems or any(
        key == "tiers.VIP_GOLD.reply" and "too long" in message for key, message in refused.value.problems)


def test_an_escalation_interval_longer_than_a_year_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "sla.toml", sla_seed_with('escalation_interval = "4h"', 'escalation_interval = "400d"'))
    with pytest.raises(DataFileError, match=r"defaults\.escalation_interval: '400d' is longer than 365 days"):
        load_sla_table(path)


def test_a_year_is_the_longest_limit(tmp_path: Path) -> None:
    """On an ordinary tier: a VIP's reply may not be longer than an ordinary tier's (test_sla.py)."""
    path = write(tmp_path / "sla.toml", sla_seed_with('reply = "40h"', 'reply = "365d"'))
    assert load_sla_table(path).row("OTHER_BRAND").reply == MAX_LIMIT


def test_an_overlong_duration_is_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="too long a duration"):
        parse_duration("9999999999d")
    assert parse_duration("1d1h") == timedelta(hours=25)
