"""Structured logging for the emulators.

Every record carries ``event`` (a dotted name such as ``fault.added``) and ``fields`` (a flat dict) as record
attributes, so a JSON formatter can emit them as they are; the plain message renders them as ``key=value``.
Loggers are named ``onepoint.emulators.<system>``.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["emulator_logger", "log_event"]


def emulator_logger(system: str) -> logging.Logger:
    """The logger of one emulator (``onepoint.emulators.boss``)."""
    return logging.getLogger(f"onepoint.emulators.{system}")


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log ``event`` with structured ``fields`` (cheap when the level is disabled)."""
    if not logger.isEnabledFor(level):
        return
    rendered = " ".join(f"{key}={value!r}" for key, value in fields.items())
    logger.log(level, "%s %s", event, rendered, extra={"event": event, "fields": fields})
