"""What the bytes before the root element may say, looked at before libxml2 reads them: no DOCTYPE, in whatever
encoding the bytes use (``has_doctype``), and no byte-order mark the XML declaration's encoding contradicts
(``check_byte_order_mark``: libxml2 would silently trust the mark).
"""

from __future__ import annotations

import codecs
import re

from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = ["check_byte_order_mark", "has_doctype"]

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
                label = says.upper().replace("-LE", "LE").replace("-BE", "BE")
                raise DocumentRefused.single(
                    RefusalKind.MALFORMED,
                    f"the byte-order mark says {label} but the XML declaration says encoding=\"{declared.group(1)}\":"
                    " they must agree",
                )
            return
