"""``onepoint audit``: verify the SMS-log audit trail's chain, show its newest rows, print its head.

The log and its key come from the ``[audit]`` section of ``--config`` (without it: the built-in development
defaults): the SQLite file at ``path``, or the one chain every hub shares in PostgreSQL (``database``), read in
pages. ``verify`` exits 0 when the chain is intact, 1 when a row was altered, removed or reordered or the tail was
cut, 2 when the log cannot be checked at all (no log, its database unreachable, no key, bad config, or the log was
sealed with another key than the one given: its key id, recorded beside the anchor, is not the given key's).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hub.audit import AuditDatabaseUnavailable, AuditKeyError, AuditLog, AuditRecord, Head, mask_msisdn_tail
from hub.audit.chain import MAC_BYTES
from hub.audit.storage import CHAIN_BYTES
from hub.config.settings import ConfigError, load_settings

__all__ = ["audit"]

PROGRESS_FROM_ROWS = 20_000  # a shorter log is verified before a bar would be worth drawing


class CannotCheck(click.ClickException):
    exit_code = 2


def _config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                        help="Settings file whose [audit] section names the log and its key.")(func)


def _open(config_path: Path | None) -> AuditLog:
    try:
        settings = load_settings(config_path, secrets=())  # the chain's key only ([audit])
        log = AuditLog.open(settings.audit, create=False)
    except (ConfigError, AuditKeyError, AuditDatabaseUnavailable, FileNotFoundError) as exc:
        raise CannotCheck(str(exc)) from None
    return log  # a log sealed with the development key was warned about by load_chain_key


@click.group("audit")
def audit() -> None:
    """Verify and read the audit trail of SMS-log queries."""


HEAD_FORM = "expected SEQ:MAC:CHAIN (or SEQ:MAC, as heads were printed before) as `onepoint audit head` prints it"


def _head(text: str | None) -> Head | None:
    """``SEQ:MAC:CHAIN``; ``SEQ:MAC`` (a head recorded before heads named their chain) is checked without it."""
    if text is None:
        return None
    parts = text.strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError(text)
        chain = bytes.fromhex(parts[2]) if len(parts) == 3 else None
        head = Head(int(parts[0]), bytes.fromhex(parts[1]), chain)
    except ValueError:
        raise click.BadParameter(HEAD_FORM, param_hint="--head") from None
    if chain is not None and len(chain) != CHAIN_BYTES:
        raise click.BadParameter(HEAD_FORM, param_hint="--head")
    if head == Head.of_empty_log():  # what `audit head` prints before the first row: a log that was empty
        return head
    if head.seq < 1 or len(head.mac) != MAC_BYTES:
        raise click.BadParameter(HEAD_FORM, param_hint="--head")
    return head


@audit.command("verify")
@_config_option
@click.option("--head", "head_text", metavar="SEQ:MAC:CHAIN",
              help="A head recorded earlier (`onepoint audit head`): also detects the whole file rolled back or"
                   " replaced (a head of another chain: CHAIN, exit 1).")
def verify_command(config_path: Path | None, head_text: str | None) -> None:
    """Walk the chain: prints "OK: N rows, chain intact" (exit 0) or the first bad row and what is wrong (exit 1);
    exit 2 when the log cannot be checked (no log, its database unreachable, no key, or a log sealed with another
    key). A --head of another chain is a finding (CHAIN, exit 1): the log was replaced since, or the head is
    another log's."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    expected_head = _head(head_text)
    with _open(config_path) as log:
        total = log.count()
        console = Console(stderr=True)
        progress = Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=console, transient=True,
                            disable=total < PROGRESS_FROM_ROWS or not console.is_terminal)
        with progress:
            task = progress.add_task("verify", total=total)
            report = log.verify(expected_head=expected_head,
                                progress=lambda done: progress.update(task, completed=done))
    if report.other_key:
        raise CannotCheck(report.summary())
    click.echo(report.summary())
    if not report.intact:
        sys.exit(1)


@audit.command("show")
@_config_option
@click.option("--last", "count", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many of the newest rows.")
def show_command(config_path: Path | None, count: int) -> None:
    """Print the newest rows as a table (numbers masked but for their last 4 digits), with the caller the hub
    authenticated beside the operator the query named. Does not verify."""
    from rich.console import Console

    with _open(config_path) as log:
        records, total = log.last(count), log.count()
    console = Console()
    if not console.is_terminal:  # piped or captured: no terminal width to fit, keep every column readable
        console = Console(width=200)
    console.print(_table(records, total))


def _table(records: list[AuditRecord], total: int) -> Any:
    """The rows as a table; every cell plain text (``rich.text.Text``), never markup: a caller's purpose such as
    ``[/]`` or ``[conceal]`` is shown as written, never interpreted (nor able to crash the command)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"audit log: newest {len(records)} of {total} rows",
                  caption="`onepoint audit verify` checks the chain")
    for name, justify in (("seq", "right"), ("when (UTC)", "left"), ("operator", "left"), ("role", "left"),
                          ("client", "left"), ("msisdn", "left"), ("period (UTC)", "left"), ("purpose", "left"),
                          ("rows", "right"), ("outcome", "left"), ("caller (peer)", "left")):
        if name in ("purpose", "outcome"):  # free text: folded within a bounded width, never the others squeezed
            table.add_column(name, justify=justify, overflow="fold", max_width=36,  # type: ignore[arg-type]
                             min_width=len(name))
        else:
            table.add_column(name, justify=justify, no_wrap=True, min_width=len(name))  # type: ignore[arg-type]
    for record in records:
        row = record.as_dict()
        outcome = _cell(row["outcome"]) + (f": {_cell(row['reason'])}" if row["reason"] else "")
        style = None if row["outcome"] in ("allowed", "pending") else "yellow"
        cells = (str(record.seq), _short(record.at), _cell(row["operator"]), _cell(row["role"]),
                 _cell(row["client_address"]), mask_msisdn_tail(_cell(row["msisdn_masked"])),
                 f"{_short(row['period_from'], 16)} → {_short(row['period_to'], 16)}", _cell(row["purpose"]),
                 _cell(row["rows_returned"]), outcome, _caller(row))
        table.add_row(*(Text(cell) for cell in cells), style=style)
    return table


def _cell(value: object) -> str:
    """A value as printed: bytes a tamperer stored that are not UTF-8 shown as U+FFFD, never a crash."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _caller(row: dict[str, object]) -> str:
    """Who really asked: the caller the hub authenticated and the address it came from ("-": a row from before
    the hub kept them)."""
    return "-" if row["caller"] is None else f"{_cell(row['caller'])} ({_cell(row['peer'])})"


def _short(moment: object, length: int = 19) -> str:
    """``2026-01-01T08:00:00.000000+00:00`` → ``2026-01-01 08:00:00`` (``length`` 16: to the minute)."""
    return "-" if moment is None else _cell(moment)[:length].replace("T", " ")


@audit.command("head")
@_config_option
def head_command(config_path: Path | None) -> None:
    """Print the last row's SEQ:MAC and the CHAIN it is of (row 1's MAC, begun); keep it elsewhere and give it to
    `verify --head` later."""
    with _open(config_path) as log:
        head = log.head()
    click.echo(f"{head.seq}:{head.mac.hex()}" + (f":{head.chain.hex()}" if head.chain is not None else ""))
