"""What the bytes before the root element may say, looked at before libxml2 reads them: no DOCTYPE, in whatever
encoding the bytes use (``has_doctype``), and no byte-order mark the XML declaration's encoding contradicts
(``check_byte_order_mark``: libxml2 would silently trust the mark). Also what the bytes say of their own encoding
(``self_description``: mark, declaration or first characters), whether they are ASCII-compatible
(``ascii_compatible``), and the 8-bit document that declares UTF-16 (``check_declaration_width``: the .NET
XmlWriter-over-StringWriter mistake, which libxml2 reports only as "Blank needed here").
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from hub.validation.encodings import codec_for
from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = [
    "SelfDescription", "ascii_compatible", "check_byte_order_mark", "check_declaration_width", "has_doctype",
    "self_description",
]

_ROOT_START = re.compile(r"<[A-Za-z_:\u0080-\uffff]")
_ROOT_START_BYTES = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_WIDE_ENCODINGS = (  # encodings in which "<!DOCTYPE" is not ASCII bytes: detected as XML 1.0 Appendix F does
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)


def has_doctype(data: bytes) -> bool:
    """Whether a DOCTYPE stands before the root element's start tag, in whatever encoding the bytes use."""
    if b"\x00" in data[:4] or data[:2] in (b"\xfe\xff", b"\xff\xfe"):
        for mark, codec in _WIDE_ENCODINGS:
            if data.startswith(mark):
                text = data.decode(codec, errors="replace")
                match = _ROOT_START.search(text)
                return "<!DOCTYPE" in (text if match is None else text[: match.start()])
    # UTF-8 and every ASCII-compatible encoding (GBK, GB18030, Latin-1...): only the prolog is searched
    found = _ROOT_START_BYTES.search(data)
    return b"<!DOCTYPE" in (data if found is None else data[: found.start()])


_BYTE_ORDER_MARKS = (  # (mark, what it says, the encoding names that agree with it); UTF-32 before UTF-16
    (b"\x00\x00\xfe\xff", "utf-32-be", frozenset({"utf-32", "utf-32-be", "ucs-4", "iso-10646-ucs-4"})),
    (b"\xff\xfe\x00\x00", "utf-32-le", frozenset({"utf-32", "utf-32-le", "ucs-4", "iso-10646-ucs-4"})),
    (b"\xef\xbb\xbf", "utf-8", frozenset({"utf-8"})),
    (b"\xfe\xff", "utf-16-be", frozenset({"utf-16", "utf-16-be", "ucs-2", "iso-10646-ucs-2"})),
    (b"\xff\xfe", "utf-16-le", frozenset({"utf-16", "utf-16-le", "ucs-2", "iso-10646-ucs-2"})),
)
_DECLARED_ENCODING = re.compile(r"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


def _encoding_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.strip().lower()


def check_byte_order_mark(data: bytes) -> None:
    """Refuse a byte-order mark whose encoding the XML declaration contradicts (XML 1.0 §4.3.3, Appendix F)."""
    for mark, says, agreeing in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            prolog = data[len(mark): len(mark) + 400].decode(says, errors="replace")
            declared = _DECLARED_ENCODING.match(prolog)
            if declared is not None and _encoding_name(declared.group(1)) not in agreeing:
                label = _mark_name(says)
                raise DocumentRefused.single(
                    RefusalKind.MALFORMED,
                    f"the byte-order mark says {label} but the XML declaration says encoding=\"{declared.group(1)}\":"
                    " they must agree",
                )
            return


def _mark_name(codec: str) -> str:
    return codec.upper().replace("-LE", "LE").replace("-BE", "BE")


_EIGHT_BIT_STARTS = frozenset(b"< \t\r\n\xef")  # not UTF-16/32 ("\x00", a mark's 0xFE/0xFF) nor EBCDIC ("<" 0x4C)


def ascii_compatible(data: bytes) -> bool:
    """Whether a well-formed document is in an encoding that writes markup as ASCII does (UTF-8, GBK, Latin-1...):
    it begins with "<", white space or UTF-8's mark, not a 16- or 32-bit unit. Two bytes looked at: cheap enough
    for every request."""
    return len(data) > 1 and data[0] in _EIGHT_BIT_STARTS and data[1] != 0


@dataclass(frozen=True, slots=True)
class SelfDescription:
    """The encoding the bytes name themselves: ``label`` as written, ``source`` saying where."""

    label: str
    source: str  # "mark", "declaration" or "first characters"

    def __str__(self) -> str:
        if self.source == "mark":
            return f"the byte-order mark says {self.label}"
        if self.source == "declaration":
            return f'the XML declaration says encoding="{self.label}"'
        return f"the document begins as {self.label} text (no byte-order mark)"


_DECLARED_ENCODING_BYTES = re.compile(rb"<\?xml[^>]*?\sencoding\s*=\s*[\"']([^\"']*)[\"']")
_MARK_STARTS = (b"\x00", b"\xef", b"\xfe", b"\xff")
_PROLOG_BYTES = 400  # a declaration is short: the encoding is named within these bytes or not at all


def _declared_in_ascii(data: bytes) -> str | None:
    found = _DECLARED_ENCODING_BYTES.match(data, 0, _PROLOG_BYTES)
    return None if found is None else found.group(1).decode("ascii", errors="replace")


def self_description(data: bytes) -> SelfDescription | None:
    """What ``data`` says of its encoding, in XML 1.0's order (Appendix F): a byte-order mark, else an XML
    declaration's encoding, else UTF-16 or UTF-32 shown by its first characters; None when nothing names one."""
    if data[:1] in _MARK_STARTS:
        for mark, says, _ in _BYTE_ORDER_MARKS:
            if data.startswith(mark):
                return SelfDescription(_mark_name(says), "mark")
    if data.startswith(b"<?xml"):
        declared = _declared_in_ascii(data)
        return None if declared is None else SelfDescription(declared, "declaration")
    for start, codec in _WIDE_ENCODINGS:  # (their marks were found above)
        if data.startswith(start):
            found = _DECLARED_ENCODING.match(data[: _PROLOG_BYTES * 4].decode(codec, errors="replace"))
            if found is not None:
                return SelfDescription(found.group(1), "declaration")
            return SelfDescription(_mark_name(codec), "first characters")
    return None


def check_declaration_width(data: bytes, declared: str | None = None) -> None:
    """Refuse 8-bit bytes (``<?xml`` in ASCII) whose XML declaration names UTF-16 or UTF-32: what .NET writes
    with an XmlWriter over a StringWriter, then sends as UTF-8. libxml2 says only "Blank needed here".
    ``declared``: the declaration's encoding when the caller read it already (`self_description`)."""
    if not data.startswith(b"<?xml"):
        return
    declared = declared or _declared_in_ascii(data)
    if declared is not None and (codec_for(declared) or "").startswith(("utf-16", "utf-32")):
        raise DocumentRefused.single(
            RefusalKind.MALFORMED,
            f'the document is 8-bit text (it begins "<?xml" in single bytes, as UTF-8 does) but the XML declaration'
            f' says encoding="{declared}": they must agree (declare the encoding the bytes are in, e.g.'
            ' encoding="UTF-8", or send the document in the encoding it declares)',
            line=1,
        )
