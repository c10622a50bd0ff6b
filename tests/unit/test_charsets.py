"""The Content-Type's charset against what a document's bytes say of their encoding (RFC 7303): honoured when the
bytes name none, refused naming both when they contradict it."""

import pytest
from lxml import etree

from hub.validation import DocumentRefused, ParserLimits, RefusalKind, parse_document
from hub.validation.charsets import charset_codec, charset_parameter
from hub.validation.encodings import labels_agree
from hub.validation.parser import read_document

pytestmark = pytest.mark.unit

TEXT = "<c>\n<d>今天早上起所有外呼都失败</d>\n</c>"


def declared(label: str) -> str:
    return f'<?xml version="1.0" encoding="{label}"?>\n' + TEXT


@pytest.mark.parametrize(
    ("parameters", "charset"),
    [(" charset=GBK", "GBK"), (' charset="gb2312"', "gb2312"), (" Charset = utf-8 ; boundary=x", "utf-8"),
     (" boundary=x; charset='x'", "'x'"), (" charset=", None), (" boundary=x", None), ("", None)],
)
def test_the_charset_parameter_is_read_from_the_content_types_parameters(parameters, charset):
    assert charset_parameter(parameters) == charset


def test_gbk_bytes_that_name_no_encoding_are_read_in_the_charset():
    data = TEXT.encode("gbk")
    codec = charset_codec(data, "GBK")
    root, as_labelled = read_document(data, ParserLimits(), decode_as=codec)
    assert root.findtext("d") == "今天早上起所有外呼都失败"
    assert as_labelled is False  # whoever parses the bytes alone would read them as UTF-8: not sent on as they are


def test_ascii_bytes_read_in_a_charset_are_the_same_read_alone():
    data = b"<c><d>plain</d></c>"
    assert read_document(data, ParserLimits(), decode_as=charset_codec(data, "ISO-8859-1"))[1] is True


@pytest.mark.parametrize(("charset", "codec", "text"), [
    ("HZ-GB-2312", "hz", TEXT), ("ISO-2022-JP", "iso2022_jp", "<c><d>日本語のテキスト</d></c>"),
    ("UTF-7", "utf-7", "<c><d>外呼失败 a+b</d></c>"),
], ids=["hz", "iso-2022-jp", "utf-7"])
def test_ascii_bytes_of_a_7bit_escape_encoding_are_not_the_same_read_alone(charset, codec, text):
    """HZ, ISO-2022 and UTF-7 write other text in ASCII bytes: sent on as they are, they would read otherwise."""
    data = text.encode(codec)
    assert data.isascii()
    root, as_labelled = read_document(data, ParserLimits(), decode_as=charset_codec(data, charset))
    assert etree.tostring(root, encoding="unicode") == text
    assert as_labelled is False


def test_ascii_text_of_a_7bit_escape_encoding_without_escapes_is_the_same_read_alone():
    data = b"<c><d>plain</d></c>"
    assert read_document(data, ParserLimits(), decode_as=charset_codec(data, "HZ-GB-2312"))[1] is True


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "us-ascii"])
def test_a_utf8_or_ascii_charset_changes_nothing(charset):
    assert charset_codec(TEXT.encode(), charset) is None
    assert charset_codec(declared("UTF-8").encode(), charset) is None


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        (declared("GBK").encode("gbk"), "GBK"),
        (declared("GBK").encode("gbk"), "gb2312"),  # one encoding (GB18030 reads both)
        (declared("gb2312").encode("gbk"), "cp936"),
        (declared("UTF-16").encode("utf-16"), "utf-16"),
        (declared("UTF-16").encode("utf-16"), "UTF-16LE"),
        (declared("UTF-16").encode("utf-16-be"), "utf-16"),
    ],
)
def test_a_charset_that_agrees_with_what_the_bytes_say_leaves_them_to_say_it(data, charset):
    assert charset_codec(data, charset) is None
    assert parse_document(data, ParserLimits()).findtext("d") == "今天早上起所有外呼都失败"


def test_utf16_that_only_its_first_characters_show_is_read_in_the_charset():
    """libxml2 tells UTF-16 without a mark only from a "<?" beginning: a bare root is read by the charset."""
    data = TEXT.encode("utf-16-le")
    with pytest.raises(DocumentRefused):
        parse_document(data, ParserLimits())
    codec = charset_codec(data, "utf-16")
    assert codec == "utf-16-le"
    root, as_labelled = read_document(data, ParserLimits(), decode_as=codec)
    assert (root.findtext("d"), as_labelled) == ("今天早上起所有外呼都失败", False)


@pytest.mark.parametrize(
    ("data", "charset", "said"),
    [
        (declared("GBK").encode("gbk"), "utf-8", 'the XML declaration says encoding="GBK"'),
        (declared("UTF-8").encode(), "GBK", 'the XML declaration says encoding="UTF-8"'),
        (declared("UTF-16").encode("utf-16"), "utf-8", "the byte-order mark says UTF-16LE"),
        (("\ufeff" + TEXT).encode(), "GBK", "the byte-order mark says UTF-8"),
        (TEXT.encode("utf-16-le"), "utf-16be", "the document begins as UTF-16LE text"),
        (TEXT.encode(), "utf-16", 'the document begins "<" in single bytes'),
    ],
)
def test_a_charset_the_bytes_contradict_is_refused_naming_both(data, charset, said):
    with pytest.raises(DocumentRefused) as refused:
        charset_codec(data, charset)
    assert refused.value.kind is RefusalKind.MALFORMED
    reason = refused.value.violations[0].reason
    assert f"charset={charset}" in reason and said in reason and "they must agree" in reason


def test_8bit_text_declaring_utf16_is_refused_as_such_whatever_the_charset():
    with pytest.raises(DocumentRefused, match=r'8-bit text .* encoding="utf-16"'):
        charset_codec(declared("utf-16").encode(), "utf-8")


@pytest.mark.parametrize(("charset", "says"), [("x-bogus", "names no encoding"), ("base64", "names no encoding"),
                                               ("cp500", "byte-order mark or an XML declaration")])
def test_a_charset_the_hub_cannot_read_with_is_refused_saying_so(charset, says):
    with pytest.raises(DocumentRefused, match=says):
        charset_codec(TEXT.encode(), charset)


def test_bytes_not_in_the_charsets_encoding_are_named_by_line():
    data = TEXT.encode("gbk").replace("外".encode("gbk"), b"\x81\x7f")
    codec = charset_codec(data, "GBK")
    with pytest.raises(DocumentRefused) as refused:
        parse_document(data, ParserLimits(), decode_as=codec)
    [violation] = refused.value.violations
    assert violation.line == 2 and "GBK" in violation.reason and "Content-Type's charset" in violation.reason


def test_an_empty_body_is_left_to_the_parser_to_refuse():
    assert charset_codec(b"", "utf-16") is None
    with pytest.raises(DocumentRefused) as refused:
        parse_document(b"", ParserLimits(), decode_as=None)
    assert refused.value.kind is RefusalKind.EMPTY


@pytest.mark.parametrize(
    ("one", "other", "agree"),
    [("gb2312", "GBK", True), ("GB18030", "cp936", True), ("UTF-16", "utf-16be", True),
     ("UTF-16LE", "UTF-16BE", False), ("utf-8", "UTF8", True), ("us-ascii", "GBK", True),
     ("us-ascii", "utf-16", False), ("ISO-8859-1", "latin1", True), ("ISO-8859-1", "utf-8", False),
     ("x-private", "X-Private", True)],
)
def test_labels_agree_when_they_name_one_encoding(one, other, agree):
    assert labels_agree(one, other) is agree
    assert labels_agree(other, one) is agree
