"""The answer a handler typed above the quoted dispatch mail (what ticketing systems keep of a reply).

A reply's text is cut at the first line that starts what the handler did not write: the dispatch mail's marker line
(``##- ... -##``, quoted or not), a quoted line (``>``), the attribution line mail clients put before the quote
(``On <date>, <name> wrote:``, possibly on two lines; ``在 ... 写道：``; Gmail's Chinese ``<name> 于<date>写道：``),
Outlook's ``-----Original Message-----`` or ``-----原始邮件-----`` and QQ Mail/Foxmail's ``------ Original ------``,
Outlook's rule (a line of ``_``) followed within three lines by a header line, a quoted mail's header block (a line
starting ``From:`` / ``发件人：`` followed within three lines by ``Sent:``, ``Date:``, ``To:`` or ``发送时间：``: a
handler's own line starting "From: 1 Dec ..." is kept), or the signature delimiter ``-- ``. A byte order mark is
dropped, as are blank lines around what is left; at most ``ANSWER_LENGTH`` characters are kept (the Reply's
Result).
"""

from __future__ import annotations

import re

__all__ = ["ANSWER_LENGTH", "answer_text"]

ANSWER_LENGTH = 4000  # c:LongText
_CUT = re.compile(
    r"^(?:>|##-|-{2,}\s*(?:original(?: message)?|原始邮件|转发邮件)|在.{0,200}写道\s*[:：]?$"
    r"|.{0,200}于.{0,60}写道[:：]\s*$|on\s.{0,300}wrote:$)",
    re.IGNORECASE)
_ON = re.compile(r"^on\s", re.IGNORECASE)
_SENDER = re.compile(r"^(?:from|发件人|寄件者)\s*[:：]", re.IGNORECASE)  # a quoted mail's header block starts so
_HEADER = re.compile(r"^(?:sent|date|to|发送时间|时间|日期|收件人)\s*[:：]", re.IGNORECASE)  # and goes on so
_RULE = re.compile(r"^_{10,}$")  # Outlook's rule above the quoted header block
_AFTER = 3  # lines within which the header block must go on


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if _CUT.match(line) or lines[index] in ("-- ", "--"):
        return True
    following = [later.strip() for later in lines[index + 1:index + 1 + _AFTER]]
    if _SENDER.match(line) and any(_HEADER.match(later) for later in following):
        return True
    if _RULE.match(line) and any(_SENDER.match(later) or _HEADER.match(later) for later in following):
        return True
    # an attribution wrapped onto a second line: "On Mon, 7 Dec 2026 at 10:00, Hub <" / "hub@example.com> wrote:"
    return bool(_ON.match(line)) and index + 1 < len(lines) and lines[index + 1].strip().lower().endswith("wrote:")


def answer_text(text: str) -> str:
    """The part of ``text`` above the quote (see the module), stripped; empty when nothing is above it."""
    lines = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _starts_quote(lines, index):
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()[:ANSWER_LENGTH]
