"""``onepoint audit search``: the rows that answer an officer's question, as the table people scan or as an export
for a regulator (``--format jsonl|csv``), the number masked but for its last 4 digits in both.

An export is evidence: the chain is verified first (against the head read at the start), and a log that does not
hold is refused (exit 1) unless ``--unverified`` is given; the head and the verification are printed (on stderr)
and, in JSONL, are the first line, so the rows can later be checked against the log they came from. Only rows up
to that head are exported (rows appended meanwhile are the next export's).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import click

from hub.audit import AuditLog, Outcome
from hub.audit.search import RowFilter, msisdn_tail
from hub.audit.storage import EVERY_ROW
from hub.cli.audit_opening import CannotCheck, config_option, head_text, open_log
from hub.cli.audit_table import EXPORT_FIELDS, exported_row, print_table
from hub.cli.work_order_ids import work_order_id_option

__all__ = ["search_command"]

TAIL_NOTE = ("the log keeps only the last 4 digits of a number: a tail matches about one subscriber in 10,000, so"
             " the rows found are candidates (the work order of each tells whose query it was)")


def _date_alone(text: str) -> date | None:
    """The day ``text`` names when it is a date without a time, in any ISO spelling (``2026-11-30``,
    ``20261130``, ``2026-W49-1``), else None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _moment(text: str | None, *, end_of_day: bool) -> datetime | None:
    """``2026-11-30`` (the day, from its start or to its end; any ISO date spelling, ``20261130`` too) or
    ``2026-11-30T08:00[:00][+08:00]``; no offset: UTC, as the rows' times."""
    if text is None:
        return None
    day = _date_alone(text)
    if day is not None:  # a date alone: its whole day
        moment = datetime.combine(day, time.max if end_of_day else time.min)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(f"{text!r}: a date (2026-11-30) or a time (2026-11-30T08:00+08:00)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _filter(msisdn: str | None, operator: str | None, outcome: str | None, work_order: str | None,
            since: str | None, until: str | None) -> RowFilter:
    tail = None
    if msisdn is not None:
        try:
            tail = msisdn_tail(msisdn)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--msisdn") from None
    found = RowFilter(tail, operator, None if outcome is None else Outcome(outcome), work_order,
                      _moment(since, end_of_day=False), _moment(until, end_of_day=True))
    if found.since is not None and found.until is not None and found.since > found.until:
        raise click.BadParameter("--from is after --to")
    return found


@click.command("search")
@config_option
@click.option("--msisdn", help="A subscriber's number: matched by its last 4 digits (all the log keeps), which about"
              " one subscriber in 10,000 shares: the rows found are candidates.")
@click.option("--operator", help="The operator account the query named (exact).")
@click.option("--outcome", type=click.Choice([str(o) for o in Outcome]), help="allowed, denied, failed or pending.")
@click.option("--work-order", "work_order", callback=work_order_id_option,
              help="The work order the query's purpose names (its id in any case).")
@click.option("--from", "since", metavar="DATE|TIME", help="Rows at or after (a date: from its start; no offset: UTC).")
@click.option("--to", "until", metavar="DATE|TIME", help="Rows at or before (a date: to its end; no offset: UTC).")
@click.option("--format", "output", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True,
              help="table: to read (not verified, as show); jsonl or csv: an export, the chain verified first.")
@click.option("--unverified", is_flag=True, help="Export even when the chain does not hold (the finding is printed"
              " and, in JSONL, embedded).")
def search_command(config_path: Path | None, msisdn: str | None, operator: str | None, outcome: str | None,
                   work_order: str | None, since: str | None, until: str | None, output: str,
                   unverified: bool) -> None:
    """Find the rows of a number, an operator, an outcome, a work order or a period (filters combine), masked but
    for the number's last 4 digits. An export (--format jsonl|csv) verifies the chain first and refuses a broken
    log (exit 1) unless --unverified; it prints the head it verified on stderr (and as JSONL's first line)."""
    wanted = _filter(msisdn, operator, outcome, work_order, since, until)
    with open_log(config_path) as log:
        if output == "table":
            with log.storage.snapshot() as snapshot:
                records = list(wanted.found(snapshot.records(start=EVERY_ROW)))
            title = f"audit log: {len(records)} rows found of {log.count()}"
            print_table(records, title, "`onepoint audit verify` checks the chain" +
                        ("; --msisdn: " + TAIL_NOTE if msisdn is not None else ""))
            return
        _export(log, wanted, output, unverified)


def _export(log: AuditLog, wanted: RowFilter, output: str, unverified: bool) -> None:
    head = log.head()
    report = log.verify(expected_head=head)
    if report.other_key:
        raise CannotCheck(report.summary())
    click.echo(f"head {head_text(head)}; {report.summary()}", err=True)
    if not report.intact and not unverified:
        click.echo("not exported: the chain does not hold (give --unverified to export it all the same)", err=True)
        sys.exit(1)
    with log.storage.snapshot() as snapshot:
        rows = [exported_row(record) for record in wanted.found(snapshot.records(start=EVERY_ROW))
                if record.seq <= head.seq]
    if output == "jsonl":
        header = {"audit_export": {"head": head_text(head), "verified": report.summary(), "intact": report.intact,
                                   "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "filters": wanted.describe(), "rows": len(rows), "msisdn": TAIL_NOTE}}
        click.echo(json.dumps(header, ensure_ascii=False))
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(text.getvalue(), nl=False)
