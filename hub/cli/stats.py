"""``onepoint stats``: the complaint statistics of a window of days — hot spots, complaints per SP, SLA compliance
per tier, the shares, the outages — as tables, or as JSON for scripts; ``onepoint stats rebuild`` recomputes the
counters from the work orders and their history. Straight on the work-order database of the settings."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from hub.cli.days import typed_day
from hub.cli.stats_departments import department_tables, group_table, nothing_counted
from hub.cli.workorder_database import CONFIG_OPTION, opening, require_existing, settings_of

if TYPE_CHECKING:
    from rich.table import Table

    from hub.workflow.statistics import StatisticsQuery
    from hub.workflow.statistics.figures import OutageFigures, TierSla

__all__ = ["stats"]

AREA_CODE = re.compile(r"0[1-9][0-9]{1,2}")  # c:AreaCode
TITLE_WIDTH = 60  # columns of an outage's title at most (folded onto further lines): wide terminals stay readable

def _query(first: date | None, last: date | None, today: date, area: str | None, level: int,
           top: int, department: str | None = None) -> StatisticsQuery:
    """The window asked (``--to`` default today, ``--from`` 29 days before it); a usage error (exit 2) for one the
    statistics cannot read (backwards, outside their days, longer than about 10 years). A ``--from`` after today
    with no ``--to`` is said to be after the default ``--to``, named as a default: the user gave none."""
    from hub.workflow.statistics.figures import EARLIEST_DAY, LATEST_DAY, BadWindow, StatisticsQuery

    to_day = last or today
    if not EARLIEST_DAY <= to_day <= LATEST_DAY:  # in range, 29 days before it is a date too
        raise click.BadParameter(f"{to_day} is not one of the days the statistics read: {EARLIEST_DAY} … "
                                 f"{LATEST_DAY}", param_hint="--to")
    try:
        from_day = first or to_day - timedelta(days=29)
        if to_day < from_day and last is None:
            raise click.BadParameter(f"--from {from_day} is after --to (default: today, {to_day})")
        if to_day < from_day:
            raise click.BadParameter(f"--to {to_day} is before --from {from_day}")
        return StatisticsQuery(from_day, to_day, area, level, top, department)
    except BadWindow as exc:
        raise click.UsageError(f"--from/--to: {exc}") from None


def _area_option(value: str | None) -> str | None:
    """An area code as QueryStatistics takes it (c:AreaCode): one that is none would count nothing, silently."""
    if value is not None and not AREA_CODE.fullmatch(value):
        raise click.BadParameter(f"{value!r} is no area code: a 0, then 2 or 3 digits, as 0755 or 010")
    return value


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@click.group("stats", invoke_without_command=True)
@click.option("--from", "first", metavar="YYYY-MM-DD", help="First day (default: 29 days before --to).")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="Last day, inclusive (default: today).")
@click.option("--area", callback=lambda _c, _p, value: _area_option(value), help="Only this area code (0755).")
@click.option("--level", type=click.IntRange(1, 4), default=3, show_default=True,
              help="Category level of the hot spots: 1 domain, 2 service, 3 phenomenon, 4 refinement.")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Hot spots, SPs and group customers shown.")
@click.option("--department", metavar="CODE", help="Only this department in the per-department tables.")
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@CONFIG_OPTION
@click.pass_context
def stats(ctx: click.Context, first: str | None, last: str | None, area: str | None, level: int, top: int,
          department: str | None, as_json: bool, config_path: Path | None) -> None:
    """Complaint statistics of a window of days (days of [workflow] statistics_timezone, each work order counted
    on its creation day), from the maintained counters."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.workflow.statistics import read_figures
    from hub.workflow.store import WorkOrderStore

    config = settings_of(config_path).workflow
    zone = ZoneInfo(config.statistics_timezone)
    today = datetime.now(UTC).astimezone(zone).date()
    query = _query(typed_day(first), typed_day(last), today, area, level, top, department)
    require_existing(config.database)  # reading creates nothing: a missing database is an error, not zero
    with opening(config.database):
        store = WorkOrderStore.open(config.database, reading=True)  # nor migrates: older hubs may still use it
        try:
            with store.snapshot() as connection:  # one moment: the overdue and the replies agree
                moment = datetime.now(UTC)
                figures = read_figures(connection, query, zone, now=moment)
                if query.department is not None and not figures.departments:  # misspelt, or the wrong case?
                    every = read_figures(connection, replace(query, department=None), zone, now=moment)
                    click.echo(nothing_counted(query, every.departments), err=True)
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
        return
    _print_tables(figures, zone)


def _print_tables(figures: Any, zone: ZoneInfo) -> None:
    from rich.markup import escape
    from rich.table import Table

    from hub.observability.console import report_console

    console = report_console()
    query, totals = figures.query, figures.totals
    where = (f", area {query.area_code}" if query.area_code else "") + (
        f", department {escape(query.department)}" if query.department is not None else "")
    summary = Table(title=f"complaints {query.first_day} … {query.last_day}{where}", title_justify="left",
                    show_header=False)
    for label, value in (("complaints", totals.complaints), ("repeat complaints", totals.repeat_complaints),
                         ("dispatched", totals.dispatched), ("invalid dispatches", totals.invalid_dispatches),
                         ("dispatches refused (template)", totals.dispatches_refused),
                         ("auto-answered", totals.auto_answered), ("replied", totals.replied),
                         ("  in SLA / late", f"{totals.replied_in_sla} / {totals.replied_late}"),
                         ("overdue, not replied", totals.overdue),
                         ("cancelled overdue", totals.cancelled_overdue),
                         ("return visits", totals.return_visited),
                         ("  in time / late (return-visit limit)",
                          f"{totals.return_visited_in_time} / {totals.return_visited_late}"),
                         ("closed", totals.closed),
                         ("cancelled", totals.cancelled), ("escalated", totals.escalated),
                         ("reminded (customer called back)", totals.reminded), ("incidents", totals.incidents),
                         ("  satisfied / basically", f"{totals.satisfied} / {totals.basically_satisfied}"),
                         ("  dissatisfied / not reached", f"{totals.dissatisfied} / {totals.not_reached}"),
                         ("calls not reached before the last attempt", totals.visit_attempts_not_reached)):
        summary.add_row(label, str(value))
    for label, share in (("first-contact resolution", figures.first_contact_resolution),
                         ("invalid-dispatch share", figures.invalid_dispatch),
                         ("repeat-complaint share", figures.repeat_complaint),
                         ("SLA compliance", figures.sla_compliance),
                         ("satisfaction (of the customers reached)", figures.satisfaction),
                         ("return visits in time", figures.return_visit_in_time)):
        summary.add_row(label, _share(share))
    console.print(summary)
    spots = Table(title=f"hot spots (category level {query.level})", title_justify="left")
    for column in ("category", "area", "complaints", "share"):
        spots.add_column(column, justify="right" if column in ("complaints", "share") else "left")
    for spot in figures.hot_spots:
        spots.add_row(spot.category, spot.area_code or "—", str(spot.complaints), _share(spot.share))
    console.print(spots)
    providers = Table(title="complaints per SP", title_justify="left")
    for column in ("SP", "complaints", "share"):
        providers.add_column(column, justify="left" if column == "SP" else "right")
    for provider in figures.service_providers:
        providers.add_row(provider.sp_code, str(provider.complaints), _share(provider.share))
    console.print(providers)
    tiers = Table(title="SLA compliance per tier (canc.: cancelled overdue; SLA: the share kept)",
                  title_justify="left")
    names = [tier.tier or "(unknown)" for tier in figures.tiers]  # ids, never cut: the longest fits (21 columns)
    tiers.add_column("tier", no_wrap=True, min_width=max((len(n) for n in names), default=len("tier")))
    for column in ("replied", "in SLA", "late", "overdue", "canc.", "SLA"):
        tiers.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    for tier in figures.tiers:
        tiers.add_row(tier.tier or "(unknown)", str(tier.replied), str(tier.in_sla), str(tier.late),
                      str(tier.overdue), str(tier.cancelled_overdue), _share(tier.compliance))
    console.print(tiers)
    console.print(_visit_tiers(figures.tiers, names))
    for table in (*_outage_tables(figures.outages, zone), *department_tables(figures), group_table(figures)):
        console.print(table)


def _visit_tiers(tiers: Sequence[TierSla], names: list[str]) -> Table:
    """The return visits per tier made within their limit and after it, with the share in time."""
    from rich.table import Table

    from hub.workflow.statistics.shares import share

    table = Table(title="return visits per tier (against the return-visit limit)", title_justify="left")
    table.add_column("tier", no_wrap=True, min_width=max((len(n) for n in names), default=len("tier")))
    for column in ("in time", "late", "share in time"):
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    for tier in tiers:
        visits = tier.visited_in_time + tier.visited_late
        table.add_row(tier.tier or "(unknown)", str(tier.visited_in_time), str(tier.visited_late),
                      _share(share(tier.visited_in_time, visits)))
    return table


def _outage_tables(outages: Sequence[OutageFigures], zone: ZoneInfo) -> tuple[Table, Table]:
    """The window's outages in two tables that fit an 80-column terminal: their complaints (linked, auto-answered,
    dispatched), then the notices (status, start, title). One table of all seven columns is wider than 80 even
    before the title, and rich then cuts ids, times and counts with "…". Ids, times and counts are never cut
    (``no_wrap``, at least their header's width); the title, free text, is folded within a bounded width."""
    from rich.markup import escape
    from rich.table import Table

    def whole(table: Table, name: str, justify: str = "left") -> None:
        table.add_column(name, justify=justify, no_wrap=True, min_width=len(name))  # type: ignore[arg-type]

    counts = Table(title="complaints per outage", title_justify="left")
    whole(counts, "notice")
    for name in ("linked", "auto-answered", "dispatched"):
        whole(counts, name, "right")
    notices = Table(title=f"outages (start in {zone.key})", title_justify="left")
    for name in ("notice", "status", "start"):
        whole(notices, name)
    notices.add_column("title", overflow="fold", min_width=len("title"), max_width=TITLE_WIDTH)
    for outage in outages:  # NSP's words as they are: "[phase 2/3]" is no rich markup
        counts.add_row(escape(outage.notice_id), str(outage.linked), str(outage.auto_answered),
                       str(outage.dispatched))
        notices.add_row(escape(outage.notice_id), escape(outage.status),
                        outage.start_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), escape(outage.title))
    return counts, notices


@stats.command("rebuild")
@CONFIG_OPTION
def rebuild_command(config_path: Path | None) -> None:
    """Recompute the counters from the work orders and their history (after a restore, or a store filled by other
    means). PostgreSQL: holds the counters for its duration; changes committed meanwhile wait, then add their own
    counts. SQLite: counts in a read snapshot, changes go on meanwhile, and it takes the write lock only to replace
    the rows, with what those changes added."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from hub.workflow.statistics import rebuild_counters
    from hub.workflow.store import WorkOrderStore

    config = settings_of(config_path).workflow
    require_existing(config.database)  # a database migrated or created here would be news to its hubs
    with opening(config.database):
        store = WorkOrderStore.open(config.database, reading=True)
    console = Console(stderr=True)
    progress = Progress(TextColumn("counting work orders"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    try:
        with opening(config.database), progress:
            task = progress.add_task("rebuild", total=None)
            result = rebuild_counters(store.engine, ZoneInfo(config.statistics_timezone),
                                      repeat_window=timedelta(hours=config.repeat_window_hours),
                                      progress=lambda done, total: progress.update(task, completed=done,
                                                                                   total=total))
    finally:
        store.close()
    click.echo(f"{result.work_orders} work order(s) counted into {result.counter_rows} counter row(s)")
