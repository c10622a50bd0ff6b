"""What the Chinese operator's Java, .NET and C systems send: GBK labelled gb2312, 8-bit text declaring UTF-16,
bytes not in the encoding they name (named by encoding and real line), and the UTF-16 and UTF-8 documents whose
bytes the ingress may send on as received."""

import pytest
from lxml import etree

from hub.validation import DocumentRefused, ParserLimits, RefusalKind, parse_document
from hub.validation.parser import read_document
from hub.validation.xml_prolog import ascii_compatible, self_description

pytestmark = pytest.mark.unit

NAMES = "用户王堃反映：朱镕基路附近所有外呼都失败"  # 堃 and 镕 are GBK, not GB2312


def complaint(label: str | None, text: str = NAMES) -> str:
    declaration = f'<?xml version="1.0" encoding="{label}"?>\n' if label else ""
    return declaration + f"<c>\n  <who>客户</who>\n  <d>{text}</d>\n</c>"


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "GB_2312-80", "EUC-CN", "x-gbk"])
def test_gbk_text_labelled_with_any_gbk_label_is_read_as_gb18030(label):
    root, as_labelled = read_document(complaint(label).encode("gbk"), ParserLimits())
    assert root.findtext("d") == NAMES
    assert as_labelled is False  # a plain parser reading the bytes alone would refuse them: not sent on as they are


def test_gbk_text_libxml2_reads_in_its_label_is_read_as_labelled():
    for label in ("GBK", "cp936", "GB18030"):
        root, as_labelled = read_document(complaint(label).encode("gbk"), ParserLimits())
        assert (root.findtext("d"), as_labelled) == (NAMES, True)
    assert read_document(complaint("gb2312", "外呼失败").encode("gb2312"), ParserLimits())[1] is True


def test_bytes_not_in_the_declared_gbk_encoding_are_named_by_encoding_and_real_line():
    document = complaint("gb2312").encode("gbk").replace("附".encode("gbk"), b"\x81\x7f")  # 0x7F: no GBK trail byte
    with pytest.raises(DocumentRefused) as refused:
        parse_document(document, ParserLimits())
    [violation] = refused.value.violations
    assert refused.value.kind is RefusalKind.MALFORMED
    assert violation.line == 4  # the <d> line, not the declaration's
    assert "line 4" in violation.reason and "gb2312" in violation.reason and "0x81" in violation.reason


def test_bytes_not_in_utf8_without_a_declaration_name_utf8_and_how_to_say_another():
    with pytest.raises(DocumentRefused) as refused:
        parse_document(complaint(None).encode("gbk"), ParserLimits())
    [violation] = refused.value.violations
    assert violation.line == 2  # <who>客户</who>
    assert "not UTF-8" in violation.reason and "charset" in violation.reason and "line 2" in violation.reason


def test_bytes_not_in_the_byte_order_marks_encoding_are_named_on_their_line():
    document = "<c>\n<d>café</d></c>".encode("utf-16")
    broken = document[:-10] + b"\x00\xdc" + document[-10:]  # a lone low surrogate
    with pytest.raises(DocumentRefused) as refused:
        parse_document(broken, ParserLimits())
    [violation] = refused.value.violations
    assert violation.line == 2 and "UTF-16LE" in violation.reason and "byte-order mark" in violation.reason


@pytest.mark.parametrize("label", ["utf-16", "UTF-16", "utf-16le", "UTF-32", "ucs-2"])
def test_8bit_text_declaring_a_16_or_32_bit_encoding_is_refused_naming_both(label):
    """.NET's XmlWriter over a StringWriter declares utf-16; the text is then sent as UTF-8."""
    with pytest.raises(DocumentRefused) as refused:
        parse_document(complaint(label, "外呼失败").encode("utf-8"), ParserLimits())
    reason = refused.value.violations[0].reason
    assert refused.value.kind is RefusalKind.MALFORMED
    assert f'encoding="{label}"' in reason and "8-bit text" in reason and "UTF-8" in reason


def test_a_declared_encoding_libxml2_does_not_know_is_still_refused_by_its_name():
    with pytest.raises(DocumentRefused, match="x-no-such-encoding"):
        parse_document(complaint("x-no-such-encoding", "a").encode(), ParserLimits())


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (complaint("UTF-8").encode(), True),
        (complaint(None).encode(), True),
        (complaint("GBK").encode("gbk"), True),
        ("\ufeff" + complaint("UTF-8"), True),
        (b"\n" + complaint(None).encode(), True),
        (complaint("UTF-16").encode("utf-16"), False),
        (complaint("UTF-16").encode("utf-16-be"), False),
        (complaint(None).encode("utf-16-le"), False),
        (complaint("UTF-32").encode("utf-32"), False),
        (complaint(None).encode("utf-32-be"), False),
        ("<c><d>x</d></c>".encode("cp500"), False),  # EBCDIC
    ],
    ids=["utf8", "utf8-bare", "gbk", "utf8-bom", "leading-newline", "utf16-bom", "utf16be", "utf16le-bare",
         "utf32-bom", "utf32be-bare", "ebcdic"],
)
def test_ascii_compatible_tells_8bit_documents_from_16_and_32_bit_ones(document, expected):
    data = document.encode() if isinstance(document, str) else document
    assert ascii_compatible(data) is expected


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (complaint("GBK").encode("gbk"), 'the XML declaration says encoding="GBK"'),
        (complaint("UTF-16").encode("utf-16-le"), 'the XML declaration says encoding="UTF-16"'),
        (complaint(None).encode("utf-16-be"), "the document begins as UTF-16BE text (no byte-order mark)"),
        (complaint("GBK").encode("utf-16"), "the byte-order mark says UTF-16LE"),
    ],
)
def test_what_the_bytes_say_of_their_encoding(document, said):
    assert str(self_description(document)) == said


def test_nothing_said_when_nothing_names_an_encoding():
    assert self_description(complaint(None).encode()) is None
    assert self_description(b'<?xml version="1.0"?><c/>') is None


def test_a_utf8_document_is_read_as_labelled_and_its_tree_is_unchanged():
    data = complaint("UTF-8").encode()
    root, as_labelled = read_document(data, ParserLimits())
    assert as_labelled is True
    assert etree.tostring(root) == etree.tostring(etree.fromstring(data))
