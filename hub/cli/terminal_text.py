"""Text from a message made safe for the operator's terminal.

A dead letter's reason, headers and body come from whoever sent the message (a backend's answer, a letter put in a
DLQ by hand): an escape sequence in them would reach the terminal as a command (set its title, clear the screen,
hide lines, fake output). Every C0 and C1 control character, and DEL, is shown escaped (``\\x1b``) instead; a body
keeps its line breaks and tabs.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # \t and \n kept


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(text: str, *, layout: bool = False) -> str:
    """``text`` with its control characters escaped; with ``layout``, line feeds and tabs kept (a body)."""
    return (_CONTROLS_BUT_LAYOUT if layout else _CONTROLS).sub(_escaped, text)
