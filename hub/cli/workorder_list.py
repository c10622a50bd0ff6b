"""``onepoint workorders list``: its filters beyond the number, state and category (overdue, owner, incident, area,
tiers, creation days), its keyset cursor, and its table.

``--overdue`` lists by the rule ``onepoint stats`` counts "overdue, not replied" by (``hub.workflow.store.overdue``),
as of the wall clock as ``stats`` reads it; the "reply due" column prints "—" where no reply is awaited any more
(replied, visited, closed, cancelled, incidents) and marks the rows past it "overdue", so counting them by eye gives
the statistics' figure. ``--from``/``--to`` are days of ``[workflow] statistics_timezone``, both inclusive, as
``stats`` takes them: the same days (``EARLIEST_DAY``…``LATEST_DAY``, a usage error outside) and the same instants
(``statistics.queries.day_range``, so a day whose clocks go back at midnight keeps its last hour). A full page ends
with the next page's ``--after`` cursor (QueryWorkOrders' ``Next``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from hub.cli.days import day_option
from hub.cli.work_order_ids import typed_work_order_id
from hub.customer_tiers import TIER_ORDER

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["ListFilters", "creation_window", "filter_options", "list_table", "print_list", "reply_due_cell"]

AREA_CODE = re.compile(r"0[1-9][0-9]{1,2}")  # c:AreaCode
# an owner as the work order keeps it: c:PartyId's letters, as long as the owner column (64; c:PartyId 32)
OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")
WORK_ORDER_ID = re.compile(r"WO[0-9]{8}[0-9A-Z]{8}")  # c:WorkOrderId
PAGE_CURSOR = re.compile(r"[0-9]{8}T[0-9]{6}\.[0-9]{6}Z_WO[0-9]{8}[0-9A-Z]{8}")  # wo:PageCursor
_ID_WIDTH = 18  # a work order id: the id column's width
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class ListFilters:
    """What ``find_work_orders`` is asked besides the number, the states and the category."""

    overdue: bool = False
    owner: str | None = None
    incident: str | None = None
    area: str | None = None
    tiers: tuple[str, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    after: str | None = None


def _checked(pattern: re.Pattern[str], what: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    def check(_context: click.Context, _parameter: click.Parameter, value: str | None) -> str | None:
        if value is not None and not pattern.fullmatch(value.strip()):
            raise click.BadParameter(f"{value!r} is no {what}")
        return None if value is None else value.strip()
    return check


def _work_order_id(_context: click.Context, _parameter: click.Parameter, value: str | None) -> str | None:
    """A work order id as a person types it (any case, full-width, blanks around: ``typed_work_order_id``), then
    checked as ``c:WorkOrderId``, as ``workorders show`` takes it."""
    if value is None:
        return None
    typed = typed_work_order_id(value)
    if not WORK_ORDER_ID.fullmatch(typed):
        raise click.BadParameter(f"{value!r} is no work order id (WO, the date, 8 letters or digits)")
    return typed


def filter_options(command: F) -> F:
    """The list's options of ``ListFilters``, in the order ``--help`` shows them."""
    options = [
        click.option("--overdue", is_flag=True, help="Only the complaints overdue, not replied now: those `onepoint "
                     "stats` counts (awaiting their reply past its limit; no cancelled one, no incident)."),
        click.option("--owner", metavar="DEPARTMENT", callback=_checked(OWNER, "department (letters, digits, . _ -)"),
                     help="Only those this department holds (the owner column)."),
        click.option("--incident", metavar="WORK_ORDER_ID", callback=_work_order_id,
                     help="An incident's children (its id in any case)."),
        click.option("--area", callback=_checked(AREA_CODE, "area code: a 0, then 2 or 3 digits, as 0755 or 010"),
                     help="Only this area code (0755)."),
        click.option("--tier", "tiers", multiple=True, type=click.Choice(TIER_ORDER), help="A tier (repeatable)."),
        click.option("--from", "first_day", metavar="YYYY-MM-DD", callback=day_option,
                     help="Created on this day or later (a day of [workflow] statistics_timezone, as `stats`)."),
        click.option("--to", "last_day", metavar="YYYY-MM-DD", callback=day_option,
                     help="Created on this day or earlier (inclusive)."),
        click.option("--after", metavar="CURSOR", callback=_checked(PAGE_CURSOR, "page cursor (the one a full "
                     "page ends with: next page: --after …)"),
                     help="The page after this cursor, as the previous page printed it (not with --page): work "
                          "orders arriving or changing meanwhile neither repeat nor are skipped."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def creation_window(filters: ListFilters, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """``--from``/``--to`` as QueryWorkOrders' CreatedIn (both inclusive): the first day's first instant, the last
    day's last microsecond, the instants ``stats`` gives the days in ``zone`` (``day_range``: the next day's
    midnight in UTC, less a microsecond, so a day whose clocks go back at midnight keeps its repeated hour); a
    usage error when ``--to`` is before ``--from`` or a day is outside those the statistics read."""
    from hub.workflow.statistics.figures import EARLIEST_DAY, LATEST_DAY
    from hub.workflow.statistics.queries import day_range

    first, last = filters.first_day, filters.last_day
    for day, option in ((first, "--from"), (last, "--to")):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise click.BadParameter(f"{day} is not one of the days the statistics read: {EARLIEST_DAY} … "
                                     f"{LATEST_DAY}", param_hint=option)
    if first is not None and last is not None and last < first:
        raise click.BadParameter(f"--to {last} is before --from {first}")
    start = None if first is None else day_range(first, first, zone)[0].astimezone(UTC)
    end = None if last is None else day_range(last, last, zone)[1].astimezone(UTC) - timedelta(microseconds=1)
    return start, end


def reply_due_cell(row: Mapping[str, Any], zone: ZoneInfo, now: datetime) -> Any:
    """The "reply due" column: "—" once no reply is awaited (statistics would not count it), the limit's date over
    its time otherwise, and "overdue" beneath it (in bold red on a terminal) once it has passed."""
    from rich.text import Text

    from hub.cli.workorder_view import when
    from hub.workflow.store.overdue import awaits_reply, reply_overdue

    if not awaits_reply(row):
        return Text("—")
    due = when(row["reply_due"], zone).replace(" ", "\n")
    return Text(f"{due}\noverdue", style="bold red") if reply_overdue(row, now) else Text(due)


def list_table(title: str) -> Table:
    """The list's table, made for an 80-column terminal: a work order on two lines, each column a pair — the id
    over the owner, the state over the tier, the date over the time — so that the widest values of a page (the id,
    ``DISPATCH_REJECTED`` over ``LONG_DISTANCE_ROAMING``, a level-4 category ``01.02.03.001``, a department name
    as long as the id) fill 80 columns exactly and none is cut or folded. In one line, the id, the state, the
    category and the times alone took 78 columns, and rich gave the tier and the owner one each, a letter a line.
    What is copied or read at a glance (the id, to pass to ``workorders show``; the state, the category, the
    priority, the times) is never cut or folded; an owner longer than the id folds beneath it. No vertical rules
    (a space between columns): with them rich cut the id to ``WO2026…``."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    table.add_column("id\nowner", overflow="fold", min_width=_ID_WIDTH, max_width=_ID_WIDTH)
    table.add_column("state\ntier", no_wrap=True)
    for column in ("created", "category", "prio", "reply due"):
        table.add_column(column, no_wrap=True)
    return table


def print_list(console: Any, rows: Sequence[Mapping[str, Any]], total: int, *, page: int, page_size: int,
               after: str | None, zone: ZoneInfo, now: datetime) -> None:
    """The page as a table; under a full page the next page's cursor; a page past the end names the last page."""
    from rich.text import Text

    from hub.cli.workorder_view import when
    from hub.workflow.query_commands import page_cursor

    if not rows and total and after is None:
        last = -(-total // page_size)
        click.echo(f"page {page} is past the end: the last page is {last} ({total} work order(s), {page_size} a "
                   "page)")
        return
    where = f"after {after}" if after is not None else f"page {page}"
    table = list_table(f"{total} work order(s); {where}; times in {zone.key}")
    for row in rows:
        table.add_row(Text(f"{row['id']}\n{row['owner'] or ''}"), Text(f"{row['state']}\n{row['tier'] or ''}"),
                      when(row["created_at"], zone).replace(" ", "\n"), row["category_code"], str(row["priority"]),
                      reply_due_cell(row, zone, now))
    console.print(table)
    if len(rows) == page_size:  # a full page: more may follow (QueryWorkOrders' Next)
        click.echo(f"next page: --after {page_cursor(rows[-1]['created_at'], rows[-1]['id'])}")
