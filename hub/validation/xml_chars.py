"""Text XML 1.0 can carry: what a stored text (an error message kept by the hub, not a document it validated) is
made into before it goes into an answer. XML 1.0 has no way to write most control characters (U+0000-U+001F but
tab, newline and return), lone surrogates, or U+FFFE/U+FFFF; lxml refuses such element text with a bare
``ValueError``, which would fail the whole answer for one character."""

from __future__ import annotations

import re

__all__ = ["NOT_XML_CHAR", "xml_safe"]

NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD (the replacement character)."""
    return NOT_XML_CHAR.sub("\ufffd", text)
