"""Text a terminal shows as it is: control characters and bidi overrides written as escapes.

A value a caller chose (a mail's From domain, a username) may carry ANSI escape sequences (``\\x1b[2J`` clears the
screen), other C0/C1 control characters (a line break forges a log line) or Unicode bidi overrides and isolates
(U+202A-U+202E, U+2066-U+2069: shown right to left). `printable` writes each of them as ``\\xNN`` (C0, DEL, C1) or
``\\uNNNN`` (bidi, line and paragraph separators); `json_printable` as a JSON escape (``\\u001b``), inside a JSON
string. Everything else, Chinese text among it, is kept.
"""

from __future__ import annotations

import re

__all__ = ["UNPRINTABLE", "json_printable", "printable"]

UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """``text`` with its control characters and bidi overrides escaped (``\\x1b``, ``\\u202e``)."""
    return UNPRINTABLE.sub(_escape, text)


def json_printable(encoded: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``, which escapes only C0) with the rest escaped too: DEL,
    C1, the bidi overrides, as ``\\u007f``; still JSON, and it reads back as it was."""
    return UNPRINTABLE.sub(_json_escape, encoded)
