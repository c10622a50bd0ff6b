"""``--log-format`` and ``--log-level``: the options of every command that runs servers or workers (their log lines
on stderr)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hub.observability import LOG_FORMATS

__all__ = ["LOG_LEVELS", "log_format_option", "log_level_option"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

log_format_option = click.option(
    "--log-format", type=click.Choice(LOG_FORMATS, case_sensitive=False), default="auto", show_default=True,
    envvar="ONEPOINT_LOG_FORMAT",
    help="Log lines as JSON (for machines) or text (for a person); auto: text on a terminal, else JSON.")


def log_level_option(default: str, help: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--log-level`` with the levels of Python's logging (any case; the command gets it in capitals): an unknown
    level is a usage error (exit 2), not a traceback."""
    return click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default=default,
                        show_default=True, help=help)
