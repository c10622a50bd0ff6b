"""Instants as testers write them to an emulator's admin API: ISO 8601 *with* a UTC offset.

A time without an offset would be read in the host's zone, so the same fault or notice would mean another
instant on another machine: it is refused, naming the field. Shared by the fault specs and NSP's notices.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["iso_instant"]


def iso_instant(value: str, key: str) -> float:
    """Epoch seconds of ``value`` (ISO 8601 with a UTC offset); ``ValueError`` naming ``key`` otherwise."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"'{key}' is not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"'{key}' needs a UTC offset (e.g. {value}+08:00 or {value}Z): {value!r}")
    try:
        return parsed.timestamp()
    except OverflowError as exc:
        raise ValueError(f"'{key}' is out of range: give a time between 1970 and 9999") from exc
