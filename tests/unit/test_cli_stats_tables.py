"""``onepoint stats``' tables on an 80-column terminal (the walkthrough audit): the tier names are never cut
(GROUP_KEY_PERSON, LONG_DISTANCE_ROAMING were 'GROUP_KEY_P…'), every table fits 80 columns, and the department
table says whose dispatches its counts are about (the invalid ones are those the department SENT, sent back by
the one that received them)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len
from rich.console import Console

from hub.cli import stats as cli_stats
from hub.observability import console
from hub.workflow.statistics import figures as f

pytestmark = pytest.mark.unit

TIERS = ("GROUP_KEY_PERSON", "LONG_DISTANCE_ROAMING", "VIP_DIAMOND")


def department(name: str, dispatched: int, invalid: int) -> f.DepartmentFigures:
    return f.DepartmentFigures(name, dispatched=dispatched, invalid_dispatches=invalid, replied=1234567,
                               escalated=12345, reminded=12345, dispatches_refused=12345)


def shown(figures: f.Figures, monkeypatch: pytest.MonkeyPatch) -> str:
    out = io.StringIO()
    monkeypatch.setattr(console, "report_console",
                        lambda: Console(file=out, width=80, force_terminal=True, color_system=None))
    cli_stats._print_tables(figures, ZoneInfo("Asia/Shanghai"))
    return out.getvalue()


def figures(**parts: object) -> f.Figures:
    query = f.StatisticsQuery(date(2026, 12, 1), date(2026, 12, 7))
    return f.Figures(query=query, totals=f.Totals(*([123456] * 25)), first_contact_resolution=0.5,
                     invalid_dispatch=0.25, repeat_complaint=0.125, sla_compliance=1.0, **parts)  # type: ignore[arg-type]


def test_the_tier_names_are_whole_and_every_table_fits_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    tiers = [f.TierSla(tier=t, replied=123456, in_sla=123456, late=12345, compliance=1.0, overdue=12345,
                       cancelled_overdue=1234) for t in TIERS]
    text = shown(figures(tiers=tiers, departments=[department("CUSTOMER_SERVICE", 123456, 12345)],
                         hot_spots=[f.HotSpot("01.02.03.001", "0755", 123456, 1.0)],
                         service_providers=[f.SpFigures("SP900001", 123456, 1.0)],
                         outages=[f.OutageFigures("FLT-20261203-0001", "Cut-over " * 12,
                                                  datetime(2026, 12, 3, tzinfo=UTC), "ACTIVE", 12345, 12345, 12345)],
                         groups=[f.GroupFigures("4403001288", 123456, 1.0, "深圳市华信精密制造有限公司" * 3)]),
                 monkeypatch)
    section = text[text.index("SLA compliance per tier"):text.index("complaints per outage")]
    for tier in TIERS:
        assert tier in section
    for whole in ("FLT-20261203-0001", "4403001288", "SP900001", "01.02.03.001"):
        assert whole in text
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text
    assert "…" not in text.replace("2026-12-01 … 2026-12-07", ""), text


def test_the_department_table_says_the_invalid_dispatches_are_those_it_sent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = shown(figures(departments=[department("CUSTOMER_SERVICE", 0, 1), department("VAS", 1, 0)]),
                 monkeypatch)
    table = text[text.index("per department: dispatches"):text.index("per department: replies")]
    header = " ".join(table.splitlines()[1:5])
    assert "returned" in header and "escalated in" in header and "invalid" not in header
    caption = table.rstrip().splitlines()[-1]  # one line: the grain's rule, what "returned" counts
    assert "counted under the holder after the event" in caption and "its dispatches sent back" in caption
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text


def test_the_return_visits_in_time_and_late_are_shown_in_total_and_per_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    tiers = [f.TierSla(tier="VIP_GOLD", replied=4, in_sla=4, late=0, compliance=1.0, visited_in_time=3,
                       visited_late=1)]
    text = shown(figures(tiers=tiers, return_visit_in_time=0.75), monkeypatch)
    assert "in time / late (return-visit limit)" in text and "123456 / 123456" in text
    section = text[text.index("return visits per tier"):]
    row = next(line for line in section.splitlines() if "VIP_GOLD" in line)
    assert [cell.strip() for cell in row.split("│")[1:5]] == ["VIP_GOLD", "3", "1", "75.0%"]
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text


def test_the_return_visits_unreached_calls_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    text = shown(figures(), monkeypatch)
    line = next(line for line in text.splitlines() if "calls not reached before the last attempt" in line)
    assert "123456" in line
