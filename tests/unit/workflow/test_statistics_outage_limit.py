"""QueryStatisticsResponse lists at most 500 outages (workorder.xsd): the newest 500 of the window, and says how many
the window holds in all (``OutagesTotal``), so a window with more is never silently cut to its oldest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.validation.command_sets import CommandSetRegistry
from hub.workflow.statistics.documents import MAX_OUTAGES, statistics_answer
from hub.workflow.statistics.figures import Figures, OutageFigures, StatisticsQuery, Totals
from tests.unit.workflow.kit import WO

pytestmark = pytest.mark.unit

START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def figures_with(outages: int) -> Figures:
    """The figures of November 2026 with ``outages`` outage notices an hour apart, oldest first (as read)."""
    return Figures(StatisticsQuery(date(2026, 11, 1), date(2026, 11, 30)), Totals(), None, None, None, None,
                   outages=[OutageFigures(f"FLT-20261101-{n:04d}", "", START + timedelta(hours=n), "CLEARED", n, 0, 1)
                            for n in range(outages)])


def answered(figures: Figures) -> etree._Element:
    document = statistics_answer(Envelope("cs-20261201-stats-1", "workorder.QueryStatistics", "CS", b""), figures,
                                 START + timedelta(days=30))
    schema = CommandSetRegistry.installed().get("workorder").lxml_schema
    assert schema.validate(document), schema.error_log
    return document


def listed(document: etree._Element) -> list[str]:
    return [outage.findtext(f"{{{WO}}}NoticeId") for outage in document.iterfind(f"{{{WO}}}Outage")]


def test_more_outages_than_the_answer_holds_keep_the_newest_and_tell_the_total():
    document = answered(figures_with(MAX_OUTAGES + 10))
    names = listed(document)
    assert len(names) == MAX_OUTAGES == 500
    assert names[0] == "FLT-20261101-0010" and names[-1] == "FLT-20261101-0509"  # the 10 oldest left out
    assert names == sorted(names)  # still in the order they started, oldest first
    assert document.findtext(f"{{{WO}}}OutagesTotal") == "510"


@pytest.mark.parametrize("outages", [0, 3, MAX_OUTAGES])
def test_a_window_whose_outages_all_fit_lists_them_all_with_their_total(outages):
    document = answered(figures_with(outages))
    assert listed(document) == [f"FLT-20261101-{n:04d}" for n in range(outages)]
    assert document.findtext(f"{{{WO}}}OutagesTotal") == str(outages)


def test_an_answer_of_an_older_hub_without_the_total_still_validates():
    document = answered(figures_with(2))
    document.remove(document.find(f"{{{WO}}}OutagesTotal"))
    schema = CommandSetRegistry.installed().get("workorder").lxml_schema
    assert schema.validate(document), schema.error_log
