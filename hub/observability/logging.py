"""Structured logs: one JSON object per line, phone numbers masked.

Every record passes through `MaskingFilter`, which masks mobile numbers (MSISDNs) in the message and in any
extra fields, keeping the first three and last four digits (``138****8000``) so that logs stay useful for
support without exposing subscribers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "MaskingFilter", "configure_logging", "mask_msisdn"]

_MSISDN = re.compile(r"(?<![0-9])(?:\+?86)?(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_ENCODE = json.JSONEncoder(default=str, ensure_ascii=False).encode  # one encoder for every line


def mask_msisdn(text: str) -> str:
    return _MSISDN.sub(r"\1****\3", text)


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
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODE(entry)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record, masked, as JSON lines to standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
