"""``onepoint workorders``: look at a work order's timeline, list work orders, and recalculate open work orders'
deadlines after the SLA table or a calendar changed — straight on the work-order database of the settings."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from hub.cli.work_order_ids import work_order_id_option
from hub.cli.workorder_database import CONFIG_OPTION, opening, require_existing, settings_of, shown_url
from hub.cli.workorder_list import ListFilters, filter_options
from hub.config.settings import WorkflowSettings
from hub.workflow.lifecycle import WorkOrderState

__all__ = ["CATEGORY_PREFIX", "PAGE_MAX", "PAGE_SIZE_MAX", "WORK_ORDER_ID_LENGTH", "customer_number", "workorders"]

PAGE_SIZE_MAX = 500  # the store's largest page (hub.workflow.store.queries.MAX_PAGE_SIZE)
PAGE_MAX = 100_000  # QueryWorkOrders' c:PageNumber: 100,000 pages of 500 hold more than a province's year
_MSISDN = re.compile(r"1[3-9][0-9]{9}")  # c:Msisdn: how the work orders keep the number
_SEPARATORS = re.compile(r"[\s.\-()]")
# wo:CategoryPrefix, what QueryWorkOrders' Category takes: a category at any level, no trailing dot
CATEGORY_PREFIX = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{3})?)?)?")
WORK_ORDER_ID_LENGTH = 18  # c:WorkOrderId: WO, the date, 8 letters or digits

def _runtime(settings: WorkflowSettings) -> Any:
    """The workflow's runtime on the database of the settings, which must exist, at this release's revision: only
    `onepoint workorders migrate` (and this release's hub) migrates it, once no hub of the older release uses it; a
    command that reads or recalculates would leave those hubs a database newer than they can open."""
    from hub.workflow.runtime import open_runtime

    require_existing(settings.database)
    try:
        with opening(settings.database):
            return open_runtime(settings, reading=True)
    except (ValueError, OSError) as exc:  # a data file with errors names each one
        raise click.ClickException(str(exc)) from None


def customer_number(text: str) -> str:
    """A mobile number as people write it (``+86 138 0013 8000``, ``138-0013-8000``, ``008613800138000``,
    full-width digits) as the work orders keep it (``13800138000``); ``ValueError`` for anything else."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not _MSISDN.fullmatch(digits):
        raise ValueError(f"{text!r} is no mobile number (11 digits 1[3-9]…, optionally +86, spaces or hyphens)")
    return digits


def _msisdn_option(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return customer_number(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _category_option(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """A category as QueryWorkOrders takes it (wo:CategoryPrefix): what is none would list nothing, silently."""
    if value is not None and not CATEGORY_PREFIX.fullmatch(value):
        raise click.BadParameter(f"{value!r} is no category: a category code at any level, as 01, 01.02, 01.02.03 "
                                 "or 01.02.03.001")
    return value


def _console() -> Any:
    from hub.observability.console import report_console

    return report_console()


@click.group("workorders")
def workorders() -> None:
    """Work orders in the workflow's database: a timeline, a list, deadline recalculation."""


@workorders.command("show")
@click.argument("work_order_id", callback=work_order_id_option)
@CONFIG_OPTION
@click.option("--unmasked", is_flag=True, help="Show phone numbers (the customer's, the contact's, those in the "
                                                 "description, notes and values) as they are.")
def show_command(work_order_id: str, config_path: Path | None, unmasked: bool) -> None:
    """A work order (its id in any case: wo20261123a7k2m9q1 is WO20261123A7K2M9Q1): what the complaint is
    (description, where and when it occurred, the intake point, the linked incident or outage, the dispatch, the
    satisfaction), its deadlines and its whole history as a timeline, times in [workflow] statistics_timezone.
    Phone numbers are masked (the customer's and the contact number to their last 4 digits, numbers in the
    description, notes and changed values as 138****8000) unless --unmasked."""
    from hub.cli.workorder_view import print_work_order

    settings = settings_of(config_path).workflow
    runtime = _runtime(settings)
    try:
        view = runtime.store.get_work_order(work_order_id)
    finally:
        runtime.close()
    if view is None:
        raise click.ClickException(f"no work order {work_order_id}")
    print_work_order(_console(), view, ZoneInfo(settings.statistics_timezone), unmasked=unmasked)


@workorders.command("list")
@click.option("--msisdn", callback=_msisdn_option,
              help="The customer's number, however written (+86 138 0013 8000): their complaints, no incident.")
@click.option("--state", "states", multiple=True, help="A state (repeatable).",
              type=click.Choice([state.value for state in WorkOrderState], case_sensitive=False))
@click.option("--category", callback=_category_option,
              help="A category at any level, and those below it: 01, 01.02, 01.02.03, 01.02.03.001.")
@filter_options
@click.option("--page", type=click.IntRange(1, PAGE_MAX), default=1, show_default=True)
@click.option("--page-size", type=click.IntRange(1, PAGE_SIZE_MAX), default=20, show_default=True)
@CONFIG_OPTION
def list_command(msisdn: str | None, states: tuple[str, ...], category: str | None, page: int, page_size: int,
                 config_path: Path | None, **options: Any) -> None:
    """Work orders, newest first, as a table; times and --from/--to days in [workflow] statistics_timezone. The
    "reply due" column is "—" where no reply is awaited any more and says "overdue" past it (--overdue lists those
    `onepoint stats` counts); a full page ends with the next page's --after cursor."""
    from hub.cli.workorder_list import creation_window, print_list
    from hub.workers import BusinessRejection
    from hub.workflow.query_commands import read_page_cursor

    filters = ListFilters(**options)
    if filters.after is not None and page != 1:
        raise click.UsageError("--page is not used with --after: the cursor names where the page begins")
    try:
        after = read_page_cursor(filters.after)
    except BusinessRejection as exc:
        raise click.BadParameter(str(exc), param_hint="--after") from None
    settings = settings_of(config_path).workflow
    zone = ZoneInfo(settings.statistics_timezone)
    created_from, created_to = creation_window(filters, zone)
    now = datetime.now(UTC)  # as `onepoint stats` reads its overdue complaints
    runtime = _runtime(settings)
    try:
        found = runtime.store.query(msisdn=msisdn, states=list(states) or None, category_prefix=category,
                                    area=filters.area, tiers=list(filters.tiers) or None, owner=filters.owner,
                                    incident_id=filters.incident, overdue_at=now if filters.overdue else None,
                                    created_from=created_from, created_to=created_to, page=page,
                                    page_size=page_size, after=after)
    finally:
        runtime.close()
    print_list(_console(), found.rows, found.total, page=page, page_size=page_size, after=filters.after, zone=zone,
               now=now)


@workorders.command("migrate")
@CONFIG_OPTION
def migrate_command(config_path: Path | None) -> None:
    """Bring the work-order database to this release's schema (what this release's hub does when it starts), and
    count the statistics of work orders written before the counters existed; run it once no hub or worker of the
    older release uses the database."""
    from hub.workflow.statistics.backfill import fill_missing_counters
    from hub.workflow.store.dialect import create_store_engine
    from hub.workflow.store.migrate import current_revision, upgrade

    settings = settings_of(config_path).workflow
    database = settings.database
    require_existing(database)
    with opening(database):
        engine = create_store_engine(database)
        try:
            before = current_revision(engine)
            upgrade(engine)
            after = current_revision(engine)
            counted = fill_missing_counters(engine, ZoneInfo(settings.statistics_timezone),
                                            timedelta(hours=settings.repeat_window_hours))
        finally:
            engine.dispose()
    click.echo(f"work-order database {shown_url(database)}: revision {before or 'none'} -> {after}"
               + (" (already there)" if before == after else ""))
    if counted is not None:
        click.echo(f"statistics counted for {counted.work_orders} work order(s) written before the counters existed")


@workorders.command("recalculate")
@CONFIG_OPTION
def recalculate_command(config_path: Path | None) -> None:
    """Recompute the deadlines of the open work orders computed from another SLA table or calendar."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from hub.workflow.recalculation import recalculate

    runtime = _runtime(settings_of(config_path).workflow)
    left: list[str] = []  # a breach the change undoes is told in OA: the scheduler's (the command cannot reach OA)
    console = Console(stderr=True)  # on a terminal only: a long run shows how far it got
    progress = Progress(SpinnerColumn(), TextColumn("recalculating deadlines: {task.completed} open work orders "
                                                    "looked at, {task.fields[changed]} changed"),
                        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal)
    try:
        with progress:
            task = progress.add_task("recalculate", total=None, changed=0)
            changed = recalculate(runtime, progress=lambda looked_at, changed: progress.update(
                task, completed=looked_at, changed=changed), left=left.append)
    finally:
        runtime.close()
    click.echo(f"{changed} open work order(s) recalculated (SLA table {runtime.engine.sla.version})")
    if left:
        click.echo(f"{len(left)} left to the hub's scheduler (their breach notices are closed in OA by it)")
