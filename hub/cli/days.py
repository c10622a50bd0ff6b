"""A day typed on the command line: ``--from`` and ``--to`` of ``onepoint stats`` and ``onepoint workorders list``,
written YYYY-MM-DD; a usage error naming the text for anything else."""

from __future__ import annotations

from datetime import date

import click

__all__ = ["day_option", "typed_day"]


def typed_day(value: str | None) -> date | None:
    """The date ``value`` names (None: not given); ``click.BadParameter`` when it names none."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is no date (YYYY-MM-DD)") from None


def day_option(_context: click.Context, _parameter: click.Parameter, value: str | None) -> date | None:
    """``typed_day`` as a click option's callback."""
    return typed_day(value)
