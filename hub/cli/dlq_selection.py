"""``onepoint dlq list``'s selection: ``--limit N``, ``--reason TEXT``, ``--older-than AGE`` (`hub.workers.dlq_filter`).

They narrow what is listed, never the pass: the whole DLQ is still read (and kept in its order), so a limit saves
output, not time. ``onepoint dlq count`` answers "how many" without reading a letter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

import click

from hub.workers.dlq_filter import LetterFilter

__all__ = ["MAX_AGE_DAYS", "selection_options"]

_AGE = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_AGE_DAYS = 36500  # a hundred years: older than any letter; beyond a timedelta's range was a traceback


def _seconds(parts: list[tuple[str, str]]) -> int | None:
    """The age the parts add up to, in seconds; None when older than `MAX_AGE_DAYS` (a number of more than 12
    digits is, whatever its unit: int() refuses one of thousands)."""
    if any(len(number.lstrip("0")) > 12 for number, _ in parts):
        return None
    seconds = sum(int(number.lstrip("0") or "0") * _UNIT[unit] for number, unit in parts)
    return None if seconds > MAX_AGE_DAYS * _UNIT["d"] else seconds


def _age(value: str | None) -> timedelta | None:
    if value is None:
        return None
    parts = _AGE.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise click.BadParameter(f"{value!r} is no age: write it as 30m, 2h, 3d or 1d12h", param_hint="--older-than")
    seconds = _seconds(parts)
    if seconds is None:
        raise click.BadParameter(f"{value!r} is older than any letter: at most {MAX_AGE_DAYS} days",
                                 param_hint="--older-than")
    return timedelta(seconds=seconds)


def selection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The three options, handed to ``func`` as one ``shown: LetterFilter``."""

    @click.option("--limit", type=click.IntRange(min=1), default=None,
                  help="List only the first N letters that match per DLQ (oldest first in each, the DLQs in their "
                       "order). Every DLQ is still read whole, to keep its order: for how many there are, use "
                       "`onepoint dlq count`.")
    @click.option("--reason", default=None, help="Only letters whose reason contains this text (any case).")
    @click.option("--older-than", "older_than", default=None,
                  help=f"Only letters whose first failure is at least this old: 30m, 2h, 3d, 1d12h (at most "
                       f"{MAX_AGE_DAYS} days).")
    @wraps(func)
    def wrapper(*, limit: int | None, reason: str | None, older_than: str | None, **kwargs: Any) -> Any:
        return func(shown=LetterFilter(reason=reason, older_than=_age(older_than), limit=limit), **kwargs)

    return wrapper
