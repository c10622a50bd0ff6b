"""``--log-format``: the option of every command that runs servers or workers (their log lines on stderr)."""

from __future__ import annotations

import click

from hub.observability import LOG_FORMATS

__all__ = ["log_format_option"]

log_format_option = click.option(
    "--log-format", type=click.Choice(LOG_FORMATS), default="auto", show_default=True, envvar="ONEPOINT_LOG_FORMAT",
    help="Log lines as JSON (for machines) or text (for a person); auto: text on a terminal, else JSON.")
