"""``onepoint audit``: verify the SMS-log audit trail's chain, show its newest rows, print its head, search it
(``audit_search``) and move a SQLite log away whole for a key change (``audit_archive``).

The log and its key come from the ``[audit]`` section of ``--config`` (without it: the built-in development
defaults): the SQLite file at ``path``, or the one chain every hub shares in PostgreSQL (``database``), read in
pages. ``verify`` exits 0 when the chain is intact, 1 when a row was altered, removed or reordered or the tail was
cut, 2 when the log cannot be checked at all (no log, its database unreachable, no key, bad config, or the log was
sealed with another key than the one given: its key id, recorded beside the anchor, is not the given key's). A
file that holds no table at all (empty) checked against a head that names rows is a finding (exit 1): the rows the
head names are gone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.audit import AuditLog
from hub.audit.verify import emptied_file
from hub.cli.audit_archive import archive_command
from hub.cli.audit_opening import CannotCheck, EmptyFile, config_option, head_text, open_log, parse_head
from hub.cli.audit_search import search_command
from hub.cli.audit_table import print_table

__all__ = ["audit"]

PROGRESS_FROM_ROWS = 20_000  # a shorter log is verified before a bar would be worth drawing


@click.group("audit")
def audit() -> None:
    """Verify, read, search and archive the audit trail of SMS-log queries."""


@audit.command("verify")
@config_option
@click.option("--head", "head_text", metavar="SEQ:MAC:CHAIN",
              help="A head recorded earlier (`onepoint audit head`): also detects the whole file rolled back or"
                   " replaced (a head of another chain: CHAIN, exit 1).")
def verify_command(config_path: Path | None, head_text: str | None) -> None:
    """Walk the chain: prints "OK: N rows, chain intact" (exit 0) or the first bad row and what is wrong (exit 1);
    exit 2 when the log cannot be checked (no log, its database unreachable, no key, or a log sealed with another
    key). A --head of another chain is a finding (CHAIN, exit 1): the log was replaced since, or the head is
    another log's; so is an empty file where the --head names rows (TRUNCATED, exit 1)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    expected_head = parse_head(head_text)
    try:
        opened = open_log(config_path)
    except EmptyFile as exc:
        if expected_head is None or expected_head.seq < 1:
            raise
        click.echo(str(emptied_file(str(exc.path), expected_head)))
        sys.exit(1)
    with opened as log:
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
@config_option
@click.option("--last", "count", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many of the newest rows.")
def show_command(config_path: Path | None, count: int) -> None:
    """Print the newest rows as a table (numbers masked but for their last 4 digits), with the caller the hub
    authenticated beside the operator the query named and the message id that pairs a pending row with its
    outcome. Does not verify."""
    with open_log(config_path) as log:
        records, total = log.last(count), log.count()
    print_table(records, f"audit log: newest {len(records)} of {total} rows",
                "`onepoint audit verify` checks the chain")


@audit.command("head")
@config_option
def head_command(config_path: Path | None) -> None:
    """Print the last row's SEQ:MAC and the CHAIN it is of (row 1's MAC, begun); keep it elsewhere and give it to
    `verify --head` later."""
    log: AuditLog
    with open_log(config_path) as log:
        head = log.head()
    click.echo(head_text(head))


audit.add_command(search_command)
audit.add_command(archive_command)
