"""The charset of a request's Content-Type against what the document's bytes say of their encoding (RFC 7303).

A legacy C system may post GBK text without an XML declaration and say so only in its header
(``Content-Type: application/xml; charset=GBK``): with no byte-order mark and no declaration that names an
encoding, the charset decides how the bytes are read (`charset_codec`). When the bytes name their encoding
themselves and the charset names another, one of the two is wrong and the hub cannot tell which: the request is
refused naming both, rather than read one way and stored or answered wrongly. A charset of UTF-8 (XML's own
default) changes nothing, so the common request costs one look at its first bytes.

A document read by its charset cannot travel on as its bytes: whoever parses it next sees no Content-Type, only
the bytes (`hub.validation.parser.read_document` says so), even when they are all ASCII: HZ, ISO-2022-JP and
UTF-7 write their text in ASCII bytes that a plain parser reads as other text. The XML ingress then sends on (and
fingerprints) the parsed document in UTF-8, as it does for UTF-16 and UTF-32 bodies, whose bytes the fingerprint's
patterns cannot read (`hub.validation.xml_prolog.ascii_compatible`).
"""

from __future__ import annotations

from hub.validation.encodings import ascii_compatible_codec, codec_for, labels_agree
from hub.validation.violations import DocumentRefused, RefusalKind
from hub.validation.xml_prolog import check_declaration_width, self_description

__all__ = ["charset_codec", "charset_parameter"]

_XML_DEFAULTS = frozenset({"utf-8", "ascii"})  # read as XML reads bytes that name nothing: no decoding of ours


def charset_parameter(parameters: str) -> str | None:
    """The ``charset`` of a Content-Type's parameters (what follows the media type's ``;``), unquoted; None when
    there is none or it is empty."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"').strip()
            return value or None
    return None


def _refused(reason: str) -> DocumentRefused:
    return DocumentRefused.single(RefusalKind.MALFORMED, reason, line=1)


def _shown(charset: str) -> str:
    """The charset as the sender wrote it, cut short if it is longer than any encoding's name."""
    return charset if len(charset) <= 64 else charset[:60] + "..."


def charset_codec(data: bytes, charset: str) -> str | None:
    """The codec to read ``data`` with because its Content-Type says ``charset``: None when the bytes name their
    encoding themselves (a byte-order mark, an XML declaration) and the charset agrees, or when the charset is
    UTF-8 or ASCII; the 16- or 32-bit one their first characters show when the charset agrees with it. Raises
    `DocumentRefused` (malformed) for a charset the bytes contradict, one the hub does not know, and one it cannot
    read without a mark or declaration."""
    if not data or data.isspace():
        return None  # the parser refuses it as empty
    codec, shown = codec_for(charset), _shown(charset)
    if codec is None:
        raise _refused(f"the Content-Type says charset={shown}, which names no encoding the hub knows: name the"
                       " encoding the document is written in (e.g. charset=UTF-8 or charset=GBK), or none")
    described = self_description(data)
    if described is not None:
        if described.source == "declaration":  # 8-bit bytes that declare UTF-16: the declaration is what is wrong
            check_declaration_width(data, described.label)
        if not labels_agree(charset, described.label):
            raise _refused(f"the Content-Type says charset={shown} but {described}: they must agree (send the"
                           " charset the document is written in, or none)")
        # libxml2 reads a mark or a declaration, but UTF-16 or UTF-32 with neither only from a "<?" beginning
        return codec_for(described.label) if described.source == "first characters" else None
    if codec in _XML_DEFAULTS:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        raise _refused(f'the Content-Type says charset={shown} but the document begins "{data[:1].decode("latin-1")}"'
                       " in single bytes (8-bit text, such as UTF-8): they must agree (send the charset the"
                       " document is written in, or none)")
    if not ascii_compatible_codec(codec):
        raise _refused(f"the Content-Type says charset={shown}, which the hub reads only in a document that"
                       " begins with a byte-order mark or an XML declaration naming it: add one, or send UTF-8")
    return codec

