"""``onepoint dlq count``: how many dead letters each DLQ holds, read with a passive declare per queue (no letter
taken, moved or reordered: instant at any depth), with the depth of the consumer queue they came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hub.cli.dlq_connection import connection_options, dead_letter_queues

__all__ = ["count_command"]


@click.command("count")
@connection_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per DLQ.")
def count_command(broker_url: str | None, config_path: Path | None, prefix: str | None, queue: str | None,
                  as_json: bool) -> None:
    """Count the dead letters per DLQ (and the messages waiting in its consumer's queue) without reading them."""
    with dead_letter_queues(broker_url, config_path, prefix, queue) as queues:
        counts = queues.counts(queue)
        config = queues.config
        waiting = queues.broker.message_counts(config.queue(c) for c in counts)
    if not as_json:
        click.echo(f"{'DLQ':<32} {'DEAD LETTERS':>12}  {'QUEUE WAITING':>13}")
    for consumer, n in counts.items():
        dlq, waits = config.dead_letter_queue(consumer), waiting.get(config.queue(consumer))
        if as_json:
            click.echo(json.dumps({"consumer": consumer, "dlq": dlq, "dead_letters": n, "queue_waiting": waits}))
        else:
            click.echo(f"{dlq:<32} {n:>12}  {'-' if waits is None else waits:>13}")
    click.echo(f"{sum(counts.values())} dead letter(s)", err=True)
