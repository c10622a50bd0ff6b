"""Encoding labels as senders write them, and where bytes fail to read in the encoding they are labelled with.

A label names an encoding in a byte-order mark, an XML declaration or a Content-Type's charset; two labels agree when
they name the same encoding, however spelled. The GBK labels read as GB18030, as the WHATWG Encoding Standard
reads them: ``gb2312`` is what .NET writes for code page 936 and many C systems of the operator write for GBK text,
and GBK's characters outside GB2312 (堃, 镕: common in names and street names) would otherwise be refused; GB18030
decodes every GBK and GB2312 byte sequence as they do. `undecodable` finds the first bytes that are not text in an
encoding, by line and column: libxml2 reports such bytes at the place it switched encodings (the declaration).
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

__all__ = [
    "GB18030", "Undecodable", "ascii_compatible_codec", "codec_for", "labels_agree", "located", "read_as_gb18030",
    "undecodable",
]

GB18030 = "gb18030"
_GB_LABELS = frozenset({  # squashed (lower case, letters and digits only); WHATWG's gbk labels, and Windows' names
    "gb2312", "gb231280", "gb23121980", "csgb2312", "csiso58gb231280", "isoir58", "chinese", "euccn",
    "eucgb2312cn", "gbk", "xgbk", "cp936", "ms936", "windows936", "gb18030",
})
_UNICODE_LABELS = {  # squashed; Python's codecs know neither UCS nor "utf16le" (libxml2 and the marks' names do)
    "ucs2": "utf-16", "iso10646ucs2": "utf-16", "ucs4": "utf-32", "iso10646ucs4": "utf-32", "utf8": "utf-8",
    "utf16": "utf-16", "utf16le": "utf-16-le", "utf16be": "utf-16-be",
    "utf32": "utf-32", "utf32le": "utf-32-le", "utf32be": "utf-32-be",
}
_LONGEST_LABEL = 64  # IANA's longest name has 45 characters: a longer label names nothing (and is not cached)
_ASCII_PROBE = "<?xml version=\"1.0\" encoding='x'?>\n<a:b c=\"d\">&#38;</a:b>"
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def _squashed(label: str) -> str:
    return _NOT_ALNUM.sub("", label.lower())


@functools.lru_cache(maxsize=256)
def codec_for(label: str) -> str | None:
    """The Python codec that reads text labelled ``label`` (``GB18030`` for every GBK label), or None for a label
    that names no text encoding the hub knows. Cached: a request's charset is looked up on every request."""
    if len(label) > _LONGEST_LABEL:
        return None
    squashed = _squashed(label)
    if squashed in _GB_LABELS:
        return GB18030
    if squashed in _UNICODE_LABELS:
        return _UNICODE_LABELS[squashed]
    try:
        name = codecs.lookup(label.strip()).name
        "a".encode(name)  # a bytes-to-bytes codec (base64, zlib) is no text encoding: LookupError
    except (LookupError, ValueError):
        return None
    return name


def read_as_gb18030(label: str) -> bool:
    """Whether ``label`` is a GBK label other than GB18030 itself: bytes libxml2 cannot read in its encoding (GBK
    characters outside GB2312, say) are read again as GB18030."""
    squashed = _squashed(label)
    return squashed in _GB_LABELS and squashed != GB18030


def _unicode_form(codec: str) -> tuple[str, str] | None:
    """("utf-16", "le") for utf-16-le, ("utf-16", "") for utf-16 (the order left to a mark or the first bytes)."""
    for form in ("utf-16", "utf-32"):
        if codec == form or codec.startswith(form + "-"):
            return form, codec.removeprefix(form).lstrip("-")
    return None


def ascii_compatible_codec(codec: str) -> bool:
    """Whether ``codec`` writes markup as ASCII does (UTF-8, GBK, Latin-1... not UTF-16, UTF-7 or EBCDIC)."""
    try:
        return _ASCII_PROBE.encode(codec) == _ASCII_PROBE.encode("ascii")
    except (UnicodeError, LookupError):
        return False


@functools.lru_cache(maxsize=256)
def labels_agree(one: str, other: str) -> bool:
    """Whether two labels name the same encoding: ``gb2312``, ``GBK`` and ``cp936`` do (GB18030 reads them all);
    ``UTF-16`` and ``UTF-16LE`` do (one leaves the byte order open), ``UTF-16LE`` and ``UTF-16BE`` do not;
    ``us-ascii`` agrees with every encoding that writes ASCII as ASCII."""
    first, second = codec_for(one), codec_for(other)
    if first is None or second is None:
        return len(one) <= _LONGEST_LABEL and _squashed(one) == _squashed(other)
    if first == second:
        return True
    if "ascii" in (first, second):
        return ascii_compatible_codec(second if first == "ascii" else first)
    forms = _unicode_form(first), _unicode_form(second)
    if forms[0] is None or forms[1] is None or forms[0][0] != forms[1][0]:
        return False
    return not (forms[0][1] and forms[1][1])  # both name a byte order, and not the same one


@dataclass(frozen=True, slots=True)
class Undecodable:
    """The first bytes that are not text in an encoding: where (1-based line and column, in characters) and which."""

    line: int
    column: int
    data: bytes

    @property
    def shown(self) -> str:
        return " ".join(f"0x{byte:02X}" for byte in self.data[:4])


def undecodable(data: bytes, codec: str) -> Undecodable | None:
    """Where ``data`` stops being text in ``codec``; None when all of it is. For error paths only: it decodes."""
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        return located(data, codec, exc)
    return None


def located(data: bytes, codec: str, exc: UnicodeDecodeError) -> Undecodable:
    """Where ``exc``, raised decoding ``data`` with ``codec``, found bytes that are not text in it."""
    before = data[: exc.start].decode(codec, errors="replace")
    line_start = before.rfind("\n") + 1
    return Undecodable(before.count("\n") + 1, len(before) - line_start + 1, data[exc.start: exc.end])
