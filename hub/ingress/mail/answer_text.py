"""The answer a handler typed above the quoted dispatch mail (what ticketing systems keep of a reply).

A reply's text is cut at the first line that starts what the handler did not write: the dispatch mail's marker line
(``##- ... -##``, quoted or not), a quoted line (``>``), the attribution line mail clients put before the quote
(``On <date>, <name> wrote:``, possibly on two lines; ``在 ... 写道：``), Outlook's ``-----Original Message-----`` or
``-----原始邮件-----`` and its header block (``From:`` / ``发件人：`` at the start of a line), or the signature
delimiter ``-- ``. Blank lines around what is left are dropped; at most ``ANSWER_LENGTH`` characters are kept (the
Reply's Result).
"""

from __future__ import annotations

import re

__all__ = ["ANSWER_LENGTH", "answer_text"]

ANSWER_LENGTH = 4000  # c:LongText
_CUT = re.compile(
    r"^(?:>|##-|-{2,}\s*(?:original message|原始邮件|转发邮件)|(?:from|发件人|寄件者)\s*[:：]|在.{0,200}写道\s*[:：]?$"
    r"|on\s.{0,300}wrote:$)",
    re.IGNORECASE)
_ON = re.compile(r"^on\s", re.IGNORECASE)


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if _CUT.match(line) or lines[index] in ("-- ", "--"):
        return True
    # an attribution wrapped onto a second line: "On Mon, 7 Dec 2026 at 10:00, Hub <" / "hub@example.com> wrote:"
    return bool(_ON.match(line)) and index + 1 < len(lines) and lines[index + 1].strip().lower().endswith("wrote:")


def answer_text(text: str) -> str:
    """The part of ``text`` above the quote (see the module), stripped; empty when nothing is above it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _starts_quote(lines, index):
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()[:ANSWER_LENGTH]
