"""The SLA table: the packaged seed, its version, and a loader that names every problem at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.routing.table import TIERS
from hub.workflow.datafile import DataFileError, format_duration, parse_duration
from hub.workflow.sla import UNKNOWN_TIER, Escalation, load_sla_table

pytestmark = pytest.mark.unit

VIP_LIKE = ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON")
ORDINARY = ("GROUP_MEMBER", "LONG_DISTANCE_ROAMING", "CONTRACT", "PREPAID", "SHENZHOUXING", "OTHER_BRAND")

GOOD_ROW = 'priority = 3\nfirst_response = "1h"\nreply = "24h"\n'
FIRST_ROW = 'priority = 1\nfirst_response = "30m"\nreply = "8h"\n'  # VIP and group tiers come before the others
GOOD_DEFAULTS = ('[defaults]\nwarning_share = 0.8\nreturn_visit = "24h"\nescalation = ["LEADER"]\n'
                 'escalation_interval = "4h"\n')


def table_text(rows: dict[str, str] | None = None, extra: str = "") -> str:
    rows = rows if rows is not None else good_rows()
    body = "".join(f"[tiers.{tier}]\n{row}\n" for tier, row in rows.items())
    return f"{GOOD_DEFAULTS}\n{body}[unknown_tier]\n{GOOD_ROW}\n{extra}"


def good_rows() -> dict[str, str]:
    return {tier: FIRST_ROW if tier in (*VIP_LIKE, "GROUP_MEMBER") else GOOD_ROW for tier in TIERS}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_seed_has_every_tier_and_vips_come_first() -> None:
    table = load_sla_table()
    assert set(table.rows) == set(TIERS)
    for vip in VIP_LIKE:
        row = table.row(vip)
        assert row.priority == 1
        for ordinary in ORDINARY:
            other = table.row(ordinary)
            assert row.first_response <= other.first_response, (vip, ordinary)
            assert row.reply < other.reply, (vip, ordinary)
            assert row.priority < other.priority
    assert table.row("VIP_DIAMOND").reply < table.row("VIP_SILVER").reply
    assert all(row.return_visit == timedelta(hours=24) for row in table.rows.values())
    assert all(0 < row.warning_share < 1 for row in table.rows.values())


def test_an_unknown_or_missing_tier_gets_the_default_row() -> None:
    table = load_sla_table()
    assert table.row("PLATINUM_PLUS").tier == UNKNOWN_TIER
    assert table.row(None) is table.unknown
    assert table.unknown.priority == 3


def test_defaults_fill_what_a_row_leaves_out() -> None:
    table = load_sla_table()
    assert table.row("CONTRACT").warning_share == 0.8
    assert table.row("VIP_DIAMOND").warning_share == 0.75
    assert table.row("CONTRACT").escalation == ("SHIFT_LEADER", "DEPARTMENT_MANAGER", "SERVICE_DIRECTOR")


def test_the_version_is_the_content(tmp_path: Path) -> None:
    first = load_sla_table(write(tmp_path, table_text()))
    assert load_sla_table(write(tmp_path, table_text())).version == first.version
    commented = load_sla_table(write(tmp_path, "# reviewed by the SLA owner\n" + table_text(extra="# nothing\n")))
    assert commented.version == first.version  # a comment or the layout changes nothing the limits depend on
    rows = good_rows()
    rows["CONTRACT"] = rows["CONTRACT"].replace("priority = 3", "priority = 4")
    changed = load_sla_table(write(tmp_path, table_text(rows)))
    assert changed.version != first.version
    assert load_sla_table().version != first.version
    assert first.source == str(tmp_path / "sla.toml")


def test_escalation_goes_up_the_chain_and_stops() -> None:
    row = load_sla_table().row("VIP_GOLD")
    assert row.next_escalation(0) == Escalation(1, "SHIFT_LEADER")
    assert row.next_escalation(1) == Escalation(2, "DEPARTMENT_MANAGER")
    assert row.next_escalation(3) == Escalation(4, "DEPUTY_GENERAL_MANAGER")
    assert row.next_escalation(4) is None
    with pytest.raises(ValueError, match="< 0"):
        row.next_escalation(-1)


def test_every_problem_is_named_in_one_error(tmp_path: Path) -> None:
    rows = {tier: row for tier, row in good_rows().items() if tier != "PREPAID"}  # PREPAID missing
    rows["VIP_DIAMOND"] = 'priority = 1\nfirst_response = "0m"\nreply = "4h"\n'  # zero duration
    rows["VIP_GOLD"] = 'priority = 1\nfirst_response = "-20m"\nreply = "6h"\n'  # negative duration
    rows["VIP_SILVER"] = 'priority = 5\nfirst_response = "30m"\nreply = "8h"\n'  # priority out of range
    rows["GROUP_MEMBER"] = 'priority = 2\nfirst_response = "30m"\nreply = "16h"\nwarning_share = 1.2\n'
    rows["CONTRACT"] = 'priority = 3\nfirst_response = "2h"\nreply = "1h"\n'  # reply before first response
    rows["SHENZHOUXING"] = 'priority = 4\nfirst_response = "1h"\nreply = "2 hours"\n'  # not a duration
    rows["OTHER_BRAND"] = 'priority = 4\nfirst_response = "1h"\nreply = "40h"\nescalation = []\ncolour = "red"\n'
    rows["PLATINUM"] = GOOD_ROW  # unknown tier
    path = write(tmp_path, table_text(rows, extra="[surprise]\n"))
    with pytest.raises(DataFileError) as caught:
        load_sla_table(path)
    keys = {key for key, _ in caught.value.problems}
    assert keys == {
        "tiers.PREPAID",
        "tiers.VIP_DIAMOND.first_response",
        "tiers.VIP_GOLD.first_response",
        "tiers.VIP_SILVER.priority",
        "tiers.GROUP_MEMBER.warning_share",
        "tiers.CONTRACT.reply",
        "tiers.SHENZHOUXING.reply",
        "tiers.OTHER_BRAND.escalation",
        "tiers.OTHER_BRAND.colour",
        "tiers.PLATINUM",
        "surprise",
    }
    message = str(caught.value)
    assert str(path) in message
    assert "11 problem(s)" in message
    for text in ("must be positive", "'-20m' is not a duration", "5 is not a priority", "1.2 is not a share",
                 "shorter than first_response", "unknown tier", "missing: every tier", "non-empty list"):
        assert text in message


def test_a_bad_default_is_named_where_it_is(tmp_path: Path) -> None:
    text = table_text().replace('warning_share = 0.8', 'warning_share = 0').replace('"4h"', '"4x"')
    with pytest.raises(DataFileError) as caught:
        load_sla_table(write(tmp_path, text))
    keys = {key for key, _ in caught.value.problems}
    assert "defaults.warning_share" in keys
    assert "defaults.escalation_interval" in keys


def test_a_missing_unknown_tier_row_and_missing_keys(tmp_path: Path) -> None:
    text = table_text(good_rows()).replace(f"[unknown_tier]\n{GOOD_ROW}", "")
    text = text.replace("[tiers.CONTRACT]\npriority = 3\n", "[tiers.CONTRACT]\n")
    with pytest.raises(DataFileError) as caught:
        load_sla_table(write(tmp_path, text))
    keys = {key for key, _ in caught.value.problems}
    assert keys == {"unknown_tier", "tiers.CONTRACT.priority"}


def test_unreadable_and_malformed_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        load_sla_table(tmp_path / "absent.toml")
    with pytest.raises(DataFileError, match="not valid TOML") as caught:
        load_sla_table(write(tmp_path, "[tiers\n"))
    assert str(tmp_path / "sla.toml") in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("2h", timedelta(hours=2)), ("3d", timedelta(days=3)),
     ("1h30m", timedelta(minutes=90)), ("45s", timedelta(seconds=45)), ("1d2h3m4s", timedelta(0, 93784))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == text


@pytest.mark.parametrize("text", ["", "2", "h", "2hours", "1.5h", "30m1h", "-1h", 30])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_long_distance_and_roaming_customers_come_after_group_members() -> None:
    table = load_sla_table()
    assert table.row("GROUP_MEMBER").priority < table.row("LONG_DISTANCE_ROAMING").priority == 3  # as BOSS says


@pytest.mark.parametrize(("tier", "priority"), [("LONG_DISTANCE_ROAMING", 2), ("CONTRACT", 1), ("PREPAID", 2)])
def test_an_ordinary_tier_as_urgent_as_a_vip_or_group_key_person_tier_is_refused_naming_it(
        tmp_path: Path, tier: str, priority: int) -> None:
    rows = good_rows()
    rows["GROUP_KEY_PERSON"] = 'priority = 2\nfirst_response = "30m"\nreply = "16h"\n'
    rows[tier] = f'priority = {priority}\nfirst_response = "1h"\nreply = "16h"\n'
    with pytest.raises(DataFileError) as caught:
        load_sla_table(write(tmp_path, table_text(rows)))
    assert {key for key, _ in caught.value.problems} == {f"tiers.{tier}.priority"}
    assert "GROUP_KEY_PERSON" in str(caught.value)


def test_a_groups_ordinary_members_may_be_served_like_contract_customers(tmp_path: Path) -> None:
    """The domain serves a group's ordinary members "like contract customers, always marked as group customers": a
    table giving GROUP_MEMBER the CONTRACT row loads (it was refused as an ordinary tier "as urgent as" a group
    tier); the packaged table keeps them ahead of ordinary customers (domain audit)."""
    rows = good_rows()
    rows["GROUP_MEMBER"] = rows["CONTRACT"]
    table = load_sla_table(write(tmp_path, table_text(rows)))
    assert table.row("GROUP_MEMBER").priority == table.row("CONTRACT").priority


def test_a_vip_or_group_key_person_limit_longer_than_an_ordinary_tiers_is_refused_naming_them(
        tmp_path: Path) -> None:
    """Only the priorities were checked: VIP_DIAMOND reply "48h" (a slipped digit for "4h", longer than CONTRACT's
    24h) and VIP_GOLD first response "2h" (CONTRACT 1h) loaded. Every such limit is named with the ordinary tiers
    (and unknown_tier) it is longer than."""
    rows = good_rows()
    rows["VIP_DIAMOND"] = 'priority = 1\nfirst_response = "30m"\nreply = "48h"\n'
    rows["VIP_GOLD"] = 'priority = 1\nfirst_response = "2h"\nreply = "8h"\n'
    rows["PREPAID"] = 'priority = 4\nfirst_response = "1h"\nreply = "32h"\n'
    rows["GROUP_MEMBER"] = 'priority = 2\nfirst_response = "1h"\nreply = "4h"\n'  # checked against neither side
    with pytest.raises(DataFileError) as caught:
        load_sla_table(write(tmp_path, table_text(rows)))
    rule = ": a VIP or group key person tier's limit must not be longer than any ordinary tier's"
    assert caught.value.problems == (
        ("tiers.VIP_DIAMOND.reply", "48h is longer than the reply of LONG_DISTANCE_ROAMING (24h), CONTRACT (24h), "
                                    "PREPAID (32h), SHENZHOUXING (24h), OTHER_BRAND (24h), unknown_tier (24h)" + rule),
        ("tiers.VIP_GOLD.first_response", "2h is longer than the first_response of LONG_DISTANCE_ROAMING (1h), "
                                          "CONTRACT (1h), PREPAID (1h), SHENZHOUXING (1h), OTHER_BRAND (1h), "
                                          "unknown_tier (1h)" + rule))


def test_the_packaged_tables_limits_put_vips_and_group_key_persons_first() -> None:
    table = load_sla_table()
    assert max(table.row(tier).reply for tier in VIP_LIKE) <= min(
        table.row(tier).reply for tier in ORDINARY if tier != "GROUP_MEMBER")
