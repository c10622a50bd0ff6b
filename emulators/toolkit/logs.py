"""Structured logging for the emulators.

A record's message is the event's dotted name (``fault.added``) and its fields are the record's extras, one
attribute each, as the hub's own records carry theirs: the hub's formatters (`hub.observability.logging`) write
them once, ``event`` and the fields as keys of one JSON object, or ``fault.added  emulator=boss kind=error …`` on
a terminal, their phone numbers masked by the hub's filter. A field whose name a log record or a JSON line
already uses (``name``, ``msg``, ``level``…) is stored with a trailing underscore (``name_``).
Loggers are named ``onepoint.emulators.<system>``.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["emulator_logger", "log_event"]

_TAKEN = (frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}  # the record's
          | {"ts", "level", "logger", "event", "exception"})  # and the keys of the hub's JSON lines


def emulator_logger(system: str) -> logging.Logger:
    """The logger of one emulator (``onepoint.emulators.boss``)."""
    return logging.getLogger(f"onepoint.emulators.{system}")


def _extra(fields: dict[str, Any]) -> dict[str, Any]:
    return {f"{key}_" if key in _TAKEN else key: value for key, value in fields.items()}


def log_event(logger: logging.Logger, level: int, event: str, /, **fields: Any) -> None:
    """Log ``event`` with structured ``fields`` (cheap when the level is disabled)."""
    if logger.isEnabledFor(level):
        logger.log(level, "%s", event, extra=_extra(fields))
