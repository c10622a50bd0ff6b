"""``onepoint workorders list`` lists what ``onepoint stats`` counts and pages without repeating or skipping.

Before, ``stats`` said "overdue, not replied 3" and the list could not find them: no --overdue, --owner,
--incident, --area, --tier or creation days, and its "reply due" column printed past limits on cancelled rows and
on the incident, so counting by eye gave 5. And it paged by offset only (--page): an order arriving between two pages
pushed the last row of the first onto the second, one leaving a --state filter was never shown."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.runtime import WorkflowRuntime
from tests.support.workorder_store import make_row

pytestmark = pytest.mark.unit

WORK_ORDER = re.compile(r"^(WO\w{16})", re.M)


def listing(config: Path, *options: str) -> tuple[list[str], str]:
    shown = CliRunner().invoke(main, ["workorders", "list", *options, "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    return WORK_ORDER.findall(shown.output), shown.output


def insert(runtime: WorkflowRuntime, *rows: dict[str, Any]) -> list[str]:
    with runtime.store.transaction() as tx:
        return [tx.insert_work_order(row) for row in rows]


def test_the_overdue_the_list_shows_are_those_stats_counts(runtime: WorkflowRuntime, config: Path) -> None:
    now = datetime.now(UTC)  # as `stats`, the list reads the overdue ones as of the wall clock
    created, past, later = now - timedelta(minutes=30), now - timedelta(minutes=5), now + timedelta(hours=3)
    rows = {
        "overdue": make_row(0, created_at=created, state="ACCEPTED", reply_due=past, owner="CUSTOMER_SERVICE"),
        "held": make_row(1, created_at=created, state="PENDING", reply_due=past, owner="NOC-PROV", area_code="020"),
        "paused": make_row(2, created_at=created, state="SUSPENDED", reply_due=None, owner="NOC-PROV"),
        "cancelled": make_row(3, created_at=created, state="CANCELLED", reply_due=past, owner="NOC-PROV"),
        "incident": make_row(4, created_at=created, state="DISPATCHED", reply_due=past, ticket_type="INCIDENT",
                             owner="NOC-PROV"),
        "in_time": make_row(5, created_at=created, state="DISPATCHED", reply_due=later, owner="NOC-PROV",
                            tier="VIP_GOLD"),
    }
    ids = dict(zip(rows, insert(runtime, *rows.values()), strict=True))
    insert(runtime, make_row(6, created_at=created, state="ACCEPTED", reply_due=past, incident_id=ids["incident"]))
    day = created.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    stats = CliRunner().invoke(main, ["stats", "--from", day, "--to", day, "--json", "--config", str(config)])
    assert stats.exit_code == 0, stats.output
    counted = json.loads(stats.output)["totals"]["overdue"]
    listed, output = listing(config, "--overdue", "--from", day, "--to", day)
    assert len(listed) == counted == 3 and f"{counted} work order(s)" in output
    assert ids["overdue"] in listed and ids["held"] in listed and ids["cancelled"] not in listed
    everything, table = listing(config, "--page-size", "100")
    assert len(everything) == 7 and table.count("overdue") == counted  # the column agrees with `stats` by eye
    for name in ("cancelled", "incident", "paused"):  # no reply awaited (or none due): no limit printed
        line = next(line for line in table.splitlines() if line.startswith(ids[name]))
        assert line.rstrip().endswith("—"), line
    assert listing(config, "--owner", "NOC-PROV", "--overdue")[0] == [ids["held"]]
    assert len(listing(config, "--incident", ids["incident"])[0]) == 1
    assert listing(config, "--area", "020")[0] == [ids["held"]]
    assert listing(config, "--tier", "VIP_GOLD", "--tier", "VIP_DIAMOND")[0] == [ids["in_time"]]
    assert listing(config, "--to", "2026-01-01")[0] == []


def test_a_walk_by_cursor_neither_repeats_nor_skips_while_orders_arrive(runtime: WorkflowRuntime,
                                                                       config: Path) -> None:
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    first_ids = insert(runtime, *(make_row(n, created_at=start + timedelta(minutes=3 * n), state="ACCEPTED")
                                  for n in range(10)))
    first, output = listing(config, "--page-size", "4")
    cursor = re.search(r"^next page: --after (\S+)$", output, re.M)
    assert cursor is not None, output
    insert(runtime, make_row(40, created_at=start + timedelta(hours=2), state="ACCEPTED"))  # a busy day
    seen = list(first)
    while cursor is not None:
        page, output = listing(config, "--page-size", "4", "--after", cursor.group(1))
        seen.extend(page)
        cursor = re.search(r"^next page: --after (\S+)$", output, re.M)
    assert sorted(seen) == sorted(first_ids) and len(seen) == len(set(seen))  # each once, the newcomer not among
    assert "next page" not in listing(config, "--page-size", "20")[1]  # a page that is not full: no more


def test_a_page_past_the_end_names_the_last_and_the_cursor_is_checked(runtime: WorkflowRuntime,
                                                                      config: Path) -> None:
    insert(runtime, *(make_row(n) for n in range(5)))
    _, output = listing(config, "--page-size", "2", "--page", "7")
    assert "page 7 is past the end: the last page is 3" in output
    both = CliRunner().invoke(main, ["workorders", "list", "--page", "2", "--after",
                                     "20261123T080000.000000Z_WO20261123AAAAAAAA", "--config", str(config)])
    assert both.exit_code == 2 and "--page is not used with --after" in both.output
    for cursor in ("20261123T080000Z_WO1", "20261323T080000.000000Z_WO20261123AAAAAAAA"):
        bad = CliRunner().invoke(main, ["workorders", "list", "--after", cursor, "--config", str(config)])
        assert bad.exit_code == 2 and "--after" in bad.output, bad.output
    swapped = CliRunner().invoke(main, ["workorders", "list", "--from", "2026-11-24", "--to", "2026-11-23",
                                        "--config", str(config)])
    assert swapped.exit_code == 2 and "before --from" in swapped.output
