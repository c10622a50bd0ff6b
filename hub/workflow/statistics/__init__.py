"""Complaint statistics (issue 13): hot spots, per-SP figures, SLA compliance and shares, from maintained counters.

* ``measures``: what a creation and each action count, under the work order's creation day and dimensions;
* ``counters``: ``CounterObserver`` (an engine observer) keeps ``work_order_counters`` in each change's transaction;
* ``rebuild``: the counters recomputed from the work orders and their history (``replay``: each counted event
  with the row and owner as they stood then; ``rebuild_on_sqlite``: counted in a read snapshot beside a running
  hub);
* ``figures`` / ``queries``: the figures of a window of days, from one summing read of the counters and the
  overdue complaints, read in one snapshot (``shares``: the ratios; ``departments``: per department and group;
  ``group_names``: the shown groups' names, from the work orders; ``outage_areas``: an outage's counts of one area);
* ``documents``: QueryStatistics in, QueryStatisticsResponse out.
"""

from hub.workflow.statistics.counters import CounterObserver, add_counts, count_group_named_late, zone_of
from hub.workflow.statistics.documents import statistics_answer, statistics_query
from hub.workflow.statistics.figures import Figures, StatisticsQuery, compute_figures
from hub.workflow.statistics.measures import MEASURES, Measure
from hub.workflow.statistics.queries import read_figures
from hub.workflow.statistics.rebuild import RebuildResult, rebuild_counters

__all__ = ["MEASURES", "CounterObserver", "Figures", "Measure", "RebuildResult", "StatisticsQuery", "add_counts",
           "compute_figures", "count_group_named_late", "read_figures", "rebuild_counters", "statistics_answer",
           "statistics_query", "zone_of"]
