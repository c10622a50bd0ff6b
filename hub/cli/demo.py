"""``onepoint demo``: run the whole system privately, play a scenario through every flow, print the timeline.

Exit status 0 when every flow completed (no dead letters, the audit chain intact), 1 otherwise with the failing
flows named, 2 when the system could not start.
"""

from __future__ import annotations

import logging
import sys

import click

from hub.observability.logging import configure_logging
from hub.transport.urls import BrokerURLError, node_urls, scheme

__all__ = ["demo"]


def _broker(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        if scheme(value) != "memory":
            node_urls(value)
    except BrokerURLError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command()
@click.option("--broker", "broker_url", default="memory://", show_default=True, callback=_broker,
              help="The backbone: the embedded memory:// or amqp://user:pass@host:port/vhost (RabbitMQ; the demo's "
                   "queues get a fresh prefix, so other queues on that broker are left alone).")
@click.option("--json", "as_json_output", is_flag=True, help="Print the run as JSON (for scripts) instead of tables.")
@click.option("--log-level", default="ERROR", show_default=True, help="The hub's own log lines (to stderr).")
def demo(broker_url: str, as_json_output: bool, log_level: str) -> None:
    """Start the hub, its workers and the five emulators on free 127.0.0.1 ports, play a scenario through every
    flow (tier lookup, HLR sync, SMS log, network complaint, VIP customer, outage notice) and print a timeline
    and a summary. Takes well under a minute on memory://."""
    from hub.config.settings import ConfigError
    from hub.demo import StageError, as_json, print_report, run_demo
    from hub.system import SystemStartError
    from hub.transport.errors import TransportError

    configure_logging(log_level.upper())
    for handler in logging.getLogger().handlers:  # the demo taps the hub's DEBUG records: keep them off stderr
        handler.setLevel(log_level.upper())
    try:
        run = run_demo(broker_url)
    except (StageError, SystemStartError, TransportError, ConfigError, OSError) as exc:
        click.echo(f"onepoint demo: the system did not start: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    if as_json_output:
        click.echo(as_json(run))
    else:
        print_report(run)
    if not run.passed:
        failed = ", ".join(f"{f.name} ({f.detail})" for f in run.failed)
        click.echo(f"onepoint demo: failed: {failed or '; '.join(run.problems)}", err=True)
        sys.exit(1)
