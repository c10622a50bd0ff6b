"""Structured logs: one JSON object per line for machines, or one readable line on a terminal; phone numbers masked.

Every record passes through `MaskingFilter`, which masks mobile numbers (MSISDNs) in the message and in any
extra fields, however they are written (``138-0013-8000``, ``+86 138 0013 8000``, full-width digits: see
`hub.observability.masking`), keeping the first three and last four digits (``138****8000``) so that logs stay
useful for support without exposing subscribers; a number glued to letters or digits (inside an id) is left as it
is. ``configure_logging`` writes JSON lines (`JsonFormatter`) unless standard error is a terminal, where
`TextFormatter` writes ``time level logger event key=value …`` (``log_format`` chooses either one explicitly).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from hub.observability.masking import mask_msisdn
from hub.observability.printable import UNPRINTABLE, json_printable, printable

__all__ = ["LOG_FORMATS", "JsonFormatter", "LogFormat", "MaskingFilter", "TextFormatter", "configure_logging",
           "mask_msisdn"]

LogFormat = Literal["auto", "json", "text"]
LOG_FORMATS: tuple[LogFormat, ...] = ("auto", "json", "text")

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_ENCODE = json.JSONEncoder(default=str, ensure_ascii=False).encode  # one encoder for every line


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_msisdn(value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_msisdn(record.getMessage())
        record.args = None
        fields = record.__dict__
        for key in [key for key in fields if key not in _STANDARD]:
            value = fields[key]
            if isinstance(value, str | dict | list | tuple):
                fields[key] = _mask(value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = mask_msisdn(self.formatException(record.exc_info))
        return _ENCODE(entry)


_PLAIN = re.compile(r"[^\s=\"']+")  # a value written as it is after key=; any other is quoted
_TEXT_SKIPPED = frozenset({"color_message"})  # uvicorn's copy of the event with colour codes in it
_LEVEL_COLOURS = {"DEBUG": "2", "WARNING": "33", "ERROR": "31", "CRITICAL": "1;31"}  # ANSI: dim, yellow, red


def _text_value(value: Any) -> str:
    """``value`` after ``key=``: as it is when plain, else JSON-style, quoted, with its control characters and
    bidi overrides escaped (`hub.observability.printable`): what a caller sent cannot drive the terminal."""
    if isinstance(value, dict | list | tuple):
        return json_printable(json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":")))
    text = value if isinstance(value, str) else str(value)
    if _PLAIN.fullmatch(text) and not UNPRINTABLE.search(text):
        return text
    return json_printable(json.dumps(text, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """One line a person reads: local time, level, logger (without ``onepoint.``), the event, then the fields as
    ``key=value`` (quoted when they hold spaces); an exception's traceback on the lines after it. Control
    characters and bidi overrides are escaped in all of them (``\\x1b``, ``\\u202e``). ``colour``:
    the level in ANSI colours (warnings yellow, errors red)."""

    def __init__(self, *, colour: bool = False) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(record.created)) + f".{int(record.msecs):03d}"
        level = f"{record.levelname:<7}"
        code = _LEVEL_COLOURS.get(record.levelname) if self.colour else None
        if code is not None:
            level = f"\x1b[{code}m{level}\x1b[0m"
        logger = record.name.removeprefix("onepoint.")
        fields = " ".join(f"{key}={_text_value(value)}" for key, value in vars(record).items()
                          if key not in _STANDARD and key not in _TEXT_SKIPPED)
        line = f"{clock} {level} {logger:<20} {printable(record.getMessage())}" + (f"  {fields}" if fields else "")
        if record.exc_info:
            traceback = mask_msisdn(self.formatException(record.exc_info))
            # indented: a line break in an exception's message cannot start a line that reads as a log line
            line += "\n" + "\n".join(f"  {printable(part)}" for part in traceback.split("\n"))
        return line


def configure_logging(level: str = "INFO", log_format: LogFormat = "auto", stream: TextIO | None = None) -> None:
    """Send every log record, masked, to ``stream`` (standard error): JSON lines, or readable lines
    (`TextFormatter`) with ``log_format="text"`` or, with ``"auto"``, when the stream is a terminal (coloured
    unless ``NO_COLOR`` is set)."""
    stream = stream or sys.stderr
    terminal = stream.isatty()
    handler = logging.StreamHandler(stream)
    if log_format == "text" or (log_format == "auto" and terminal):
        handler.setFormatter(TextFormatter(colour=terminal and "NO_COLOR" not in os.environ))
    else:
        handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
