"""``onepoint dlq``: count (`hub.cli.dlq_count`), list (`hub.cli.dlq_selection`), show, replay and purge
dead-lettered messages (wraps ``hub.workers.dlq``).

The broker, the queue names and the errors of reaching them: ``hub.cli.dlq_connection`` (the tool never
(re)declares the topology: it works on the queues as deployed). ``--queue`` takes a consumer (``boss``), its
queue or its DLQ name. Bodies are decoded by the encoding they name
(`hub.cli.dlq_body`) and shown with phone numbers, mobile and fixed-line, masked unless ``--unmasked``; reasons and
headers always masked (`hub.cli.dlq_masking`).
``purge`` deletes only the letters it counted (and asked about): letters dead-lettered since then stay.
Headers that are not what the hub writes are shown ``?`` (and named: ``unreadable=``); ``replay`` keeps a letter
whose origin cannot be read in its DLQ and reports it as failed, and always prints what it did replay.
``--config`` is read for its ``[broker]`` section only (`hub.config.broker`): the operator needs none of the hub's
secrets. Publishes (a replay, a letter moved to the tail of its DLQ) have a short deadline (``PUBLISH_DEADLINE``) and
a pass ends at the broker's first refusal, saying why (a full queue, a memory or disk alarm). What a letter says is
printed with its control characters escaped (`hub.cli.terminal_text`); a reader that stops early (``| head``) ends the
command quietly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hub.cli.dlq_body import shown_body
from hub.cli.dlq_connection import connection_options, dead_letter_queues
from hub.cli.dlq_count import count_command
from hub.cli.dlq_masking import masked_fields, masked_text
from hub.cli.dlq_progress import pass_progress
from hub.cli.dlq_selection import selection_options
from hub.cli.terminal_text import printable
from hub.workers import headers as h
from hub.workers.dead_letter import UNKNOWN
from hub.workers.dlq import DeadLetter
from hub.workers.dlq_filter import LetterFilter
from hub.workers.replay import age

__all__ = ["dlq"]


@click.group("dlq")
def dlq() -> None:
    """Count, inspect, replay and purge the dead-letter queues.

    `count` reads only the depths (at once, at any depth); `list`, `show` and `replay` read every letter of a DLQ,
    moving each to its tail so that the DLQ keeps its order (`list --limit/--reason/--older-than` narrow the
    listing, not the pass)."""


dlq.add_command(count_command)


@dlq.command("list")
@connection_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@selection_options
def list_command(broker_url: str | None, config_path: Path | None, prefix: str | None, queue: str | None,
                 as_json: bool, shown: LetterFilter) -> None:
    """List dead letters: id, consumer, original routing key, age (since its first failure, over replays), times
    replayed, attempts, first/last failure, reason.

    Oldest first per DLQ, the DLQs in order (--limit N: the first N per DLQ); letters dead-lettered while the list
    runs are not listed (and end up among the others).
    Every letter is read (moved to the tail of its DLQ, in order) whatever --limit/--reason/--older-than keep: a
    pass that stopped early would reorder the DLQ. `onepoint dlq count` only counts, at once."""
    with dead_letter_queues(broker_url, config_path, prefix, queue) as queues, \
            pass_progress("reading", sum(queues.counts(queue).values())) as advance:
        letters = queues.browse(queue, advance, shown)
    if letters and not as_json:
        click.echo(f"{'MESSAGE ID':<32}  {'CONSUMER':<9} ROUTING KEY  age replayed attempts first last reason")
    for letter in letters:
        if as_json:
            click.echo(json.dumps(masked_fields(letter.as_dict()), default=str))
        else:
            click.echo(printable(_row(letter)))
    click.echo(f"{len(letters)} dead letter(s)", err=True)


def _row(letter: DeadLetter) -> str:
    attempts = UNKNOWN if letter.attempts is None else str(letter.attempts)
    replayed = UNKNOWN if letter.replayed is None else str(letter.replayed)
    unreadable = f"  unreadable={','.join(letter.unreadable)}" if letter.unreadable else ""
    return (f"{letter.message_id:<32}  {letter.consumer:<9} {letter.original_routing_key}  age={age(letter.first_dead)}"
            f"  replayed={replayed}  attempts={attempts}  first={letter.first_dead or '-'}"
            f"  last={letter.last_failure or '-'}  reason={masked_text(letter.reason)}{unreadable}")


@dlq.command("show")
@click.argument("message_id")
@connection_options
@click.option("--json", "as_json", is_flag=True)
@click.option("--unmasked", is_flag=True, help="Show phone numbers in the body as they are.")
def show_command(message_id: str, broker_url: str | None, config_path: Path | None, prefix: str | None,
                 queue: str | None, as_json: bool, unmasked: bool) -> None:
    """Show one dead letter with its headers and body."""
    with dead_letter_queues(broker_url, config_path, prefix, queue) as queues, \
            pass_progress("looking", sum(queues.counts(queue).values())) as advance:
        found = queues.show(message_id, queue, advance)
    if not found:
        raise click.ClickException(f"no dead letter {message_id}")
    for letter in found:
        body = shown_body(letter.message.body, unmasked)
        if as_json:
            click.echo(json.dumps({**masked_fields(letter.as_dict()), "body": body}, default=str))
            continue
        _echo_letter(letter, body)


_FIELD_HEADERS = {"attempts": h.ATTEMPTS, "replayed": h.REPLAYED}  # shown fields read from one header each


def _echo_letter(letter: DeadLetter, body: str) -> None:
    unreadable = letter.unreadable
    for key, value in masked_fields(letter.as_dict()).items():
        none = UNKNOWN if _FIELD_HEADERS.get(key) in unreadable else "-"
        click.echo(printable(f"{key + ':':<14} {none if value is None else value}"))
    click.echo(f"{'age:':<14} {age(letter.first_dead)}")
    click.echo("headers:")
    for key, value in sorted(letter.message.headers.items()):
        click.echo(printable(f"  {key}: {masked_text(str(value))}"))
    click.echo("body:")
    click.echo(printable(body, layout=True))


@dlq.command("replay")
@click.argument("message_ids", nargs=-1)
@connection_options
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter (of --queue, or all DLQs).")
def replay_command(message_ids: tuple[str, ...], broker_url: str | None, config_path: Path | None,
                   prefix: str | None,
                   queue: str | None, replay_all: bool) -> None:
    """Put dead letters back on their original routing key, with their original message ids."""
    if bool(message_ids) == replay_all:
        raise click.UsageError("give message ID(s) or --all (not both)")
    with dead_letter_queues(broker_url, config_path, prefix, queue) as queues:
        replayed: list[DeadLetter] = []
        try:
            with pass_progress("replaying", sum(queues.counts(queue).values())) as shown:
                def advance(letter: DeadLetter, done: bool) -> None:
                    if done:
                        replayed.append(letter)
                    shown(letter, done)

                report = queues.replay(None if replay_all else message_ids, queue, progress=advance)
        except Exception:  # the broker went away mid-pass: say what was replayed before it did
            for letter in replayed:
                click.echo(printable(f"replayed {letter.message_id} -> {letter.original_routing_key}"))
            click.echo(f"{len(replayed)} replayed before the error; the others stay in their DLQ", err=True)
            raise
    for letter in report.replayed:
        click.echo(printable(f"replayed {letter.message_id} -> {letter.original_routing_key}"))
    for letter, error in report.failed:
        click.echo(printable(f"FAILED {letter.message_id}: {error} (kept in the DLQ)"), err=True)
    for letter, error in report.unknown:
        click.echo(printable(f"UNKNOWN {letter.message_id}: {error}"), err=True)
    reached = {letter.message_id for letter in report.replayed} | {x.message_id for x, _ in report.failed} \
        | {x.message_id for x, _ in report.unknown}
    missing = sorted(set(message_ids) - reached)
    if report.stopped is not None:
        click.echo(printable(f"stopped: {report.stopped}"), err=True)
    else:
        for mid in missing:
            click.echo(printable(f"not found: {mid}"), err=True)
    unknown = f", {len(report.unknown)} outcome unknown" if report.unknown else ""
    click.echo(f"{len(report.replayed)} replayed, {len(report.failed)} failed{unknown}", err=True)
    if report.failed or report.unknown or missing or report.stopped is not None:
        sys.exit(1)


@dlq.command("purge")
@connection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_command(broker_url: str | None, config_path: Path | None, prefix: str | None, queue: str | None,
                  yes: bool) -> None:
    """Delete the dead letters there are now (of --queue, or of all DLQs), with a progress bar. Asks first unless
    --yes.

    Only the letters counted (and asked about) are deleted, oldest first: letters dead-lettered after the count
    stay in their DLQ, and the tool says how many."""
    with dead_letter_queues(broker_url, config_path, prefix, queue) as queues:
        counts = queues.counts(queue)
        total = sum(counts.values())
        if total == 0:
            click.echo("nothing to purge")
            return
        summary = ", ".join(f"{consumer}: {n}" for consumer, n in counts.items() if n)
        if not yes:
            click.confirm(f"Permanently delete {total} dead letter(s) ({summary})?", abort=True)
        with pass_progress("purging", total) as advance:
            purged = queues.purge(queue, at_most={c: n for c, n in counts.items() if n}, progress=advance)
        kept = sum(queues.counts(queue).values())
    click.echo(f"purged {sum(purged.values())} dead letter(s)")
    if kept:
        click.echo(f"{kept} dead letter(s) not counted before (dead-lettered since) kept", err=True)
