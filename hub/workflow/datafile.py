"""Reading the workflow's TOML data files: every problem collected and named with its file and key, then raised once.

An operator who edits the SLA table or a calendar gets the whole list of what is wrong in one go, not one error
per restart. Each file's version is a hash of its bytes, so a work order can record which table its deadlines
came from.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["DataFileError", "NotUtf8", "Problems", "content_version", "format_duration", "packaged", "parse_duration",
           "read_toml", "toml_text"]

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class DataFileError(ValueError):
    """A data file cannot be used; ``problems`` lists every ``(key, message)`` found, the message names them all:
    one problem on the file's line (``calendars.toml: cannot read: No such file or directory``), several as a
    count and one line each."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        named = [f"{key}: {message}" if key else message for key, message in problems]
        if len(named) == 1:
            super().__init__(f"{source}: {named[0]}")
        else:
            lines = "\n".join(f"  - {line}" for line in named)
            super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


@dataclass
class Problems:
    """Collects the problems of one file while it is checked."""

    source: str
    found: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key: str, message: str) -> None:
        self.found.append((key, message))

    def raise_if_any(self) -> None:
        if self.found:
            raise DataFileError(self.source, self.found)

    def duration(self, key: str, value: Any) -> timedelta | None:
        """A positive duration from ``"2h"``, ``"30m"``, ``"1h30m"``, ``"3d"``; ``None`` (and a problem) if not."""
        try:
            duration = parse_duration(value)
        except ValueError as error:
            self.add(key, str(error))
            return None
        if duration <= timedelta(0):
            self.add(key, f"must be positive, got {value!r}")
            return None
        return duration


def parse_duration(value: Any) -> timedelta:
    """``"1h30m"`` → 90 minutes. Units d (24 h), h, m, s; whole numbers, largest unit first."""
    if not isinstance(value, str) or not value or not (match := _DURATION.fullmatch(value.strip())):
        raise ValueError(f"{value!r} is not a duration like '30m', '2h', '1h30m' or '3d'")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"{value!r} is too long a duration") from None


def format_duration(duration: timedelta) -> str:
    """The inverse of `parse_duration` for whole seconds (``timedelta(minutes=90)`` → ``"1h30m"``)."""
    seconds = int(duration.total_seconds())
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount) or "0s"


def content_version(data: bytes) -> str:
    """A short, stable hash of a file's bytes: the version recorded with deadlines computed from it."""
    return hashlib.sha256(data).hexdigest()[:16]


def packaged(name: str) -> Path:
    """A data file shipped in ``hub/workflow/data``."""
    return Path(str(resources.files("hub.workflow") / "data" / name))


class NotUtf8(ValueError):
    """A data file's bytes are not UTF-8: the message names the line and column of the first bad byte and says to
    save the file as UTF-8 (a file saved as GBK or "ANSI" by a Chinese Windows editor)."""


def toml_text(data: bytes) -> str:
    """The text of a TOML data file: UTF-8, a leading byte-order mark ("UTF-8 with BOM", what Windows Notepad and
    many Chinese editors save) dropped, as TOML itself would refuse it at line 1, column 1 with nothing naming it.
    Anything else is a `NotUtf8` naming where the first byte that is not UTF-8 is."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = body.rfind(b"\n", 0, error.start) + 1
        line = body.count(b"\n", 0, error.start) + 1
        column = len(body[line_start:error.start].decode("utf-8", "replace")) + 1
        raise NotUtf8(f"not UTF-8: byte 0x{body[error.start]:02x} at line {line}, column {column} is not a UTF-8 "
                      "character; save the file as UTF-8 (an editor's \"Save as\", encoding UTF-8), not GBK or "
                      "ANSI") from error


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed document and its version (of the bytes, a byte-order mark included); an unreadable, non-UTF-8
    (`toml_text`) or malformed file is a `DataFileError`."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataFileError(str(path), [("", f"cannot read: {error.strerror or error}")]) from error
    try:
        text = toml_text(data)
    except NotUtf8 as error:
        raise DataFileError(str(path), [("", str(error))]) from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(str(path), [("", f"not valid TOML: {error}")]) from error
    return document, content_version(data)
