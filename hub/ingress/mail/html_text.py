"""An HTML mail part as plain text (stdlib ``html.parser``): what a reader sees, nothing it would not.

Text only: no tag, attribute, link target, script, style or head survives; block elements and ``<br>`` break lines;
character references are decoded. Text inside ``<blockquote>`` (how mail clients quote the mail answered) comes out
with ``> `` before each line, so the answer above the quote is cut as a plain-text reply's is.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["html_to_text"]

_BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "pre",
                     "blockquote", "ul", "ol"})
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quoted = 0
        self.hidden = 0

    def _break(self) -> None:
        self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        if tag in _BLOCKS:
            self._break()
        if tag == "blockquote":
            self.quoted += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        pieces = data.replace("\r", "").split("\n")
        for index, piece in enumerate(pieces):
            if index:
                self._break()
            if piece.strip() and self.quoted and not self.lines[-1].startswith(">"):
                self.lines[-1] = "> " + self.lines[-1]
            self.lines[-1] += " ".join(piece.split()) if piece.strip() else ""


def html_to_text(markup: str) -> str:
    """``markup`` as the lines of text it shows (see the module)."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "\n".join(line.strip() for line in parser.lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
