import pytest

from hub.validation import DocumentRefused, ParserLimits, RefusalKind, parse_document
from tests.support.hostile import VALID_BODY, cases

pytestmark = pytest.mark.unit

EXPECTED = {
    "billion-laughs": RefusalKind.FORBIDDEN,
    "quadratic-blowup": RefusalKind.FORBIDDEN,
    "external-entity-local-file": RefusalKind.FORBIDDEN,
    "external-entity-network": RefusalKind.FORBIDDEN,
    "external-dtd": RefusalKind.FORBIDDEN,
    "external-parameter-entity": RefusalKind.FORBIDDEN,
    "cyclic-entities": RefusalKind.FORBIDDEN,
    "xinclude": RefusalKind.FORBIDDEN,
    "deep-nesting-10000": RefusalKind.TOO_DEEP,
    "invalid-utf8": RefusalKind.MALFORMED,
    "utf16-billion-laughs": RefusalKind.FORBIDDEN,
    "empty": RefusalKind.EMPTY,
    "utf8-bom-declares-latin1": RefusalKind.MALFORMED,
    "utf8-bom-declares-utf16": RefusalKind.MALFORMED,
    "utf16-bom-declares-utf8": RefusalKind.MALFORMED,
}


@pytest.mark.parametrize("case", cases("http://127.0.0.1:9"), ids=lambda c: c.name)
def test_hostile_documents_are_refused_with_their_reason(case):
    assert case.name in EXPECTED
    with pytest.raises(DocumentRefused) as refused:
        parse_document(case.as_xml(), ParserLimits())
    assert refused.value.kind is EXPECTED[case.name]
    assert refused.value.violations[0].reason


def test_a_valid_document_parses():
    root = parse_document(VALID_BODY, ParserLimits())
    assert root.tag == "{urn:onepoint:workorder:1}QueryWorkOrder"


def test_doctype_text_inside_cdata_is_content_not_a_doctype():
    root = parse_document(b"<a><![CDATA[<!DOCTYPE x [<!ENTITY e 'x'>]>]]></a>", ParserLimits())
    assert root.text.startswith("<!DOCTYPE")


def test_size_cap_is_configurable():
    with pytest.raises(DocumentRefused) as refused:
        parse_document(VALID_BODY, ParserLimits(max_bytes=100))
    assert refused.value.kind is RefusalKind.TOO_LARGE
    assert "100" in refused.value.violations[0].reason
    assert parse_document(VALID_BODY, ParserLimits(max_bytes=len(VALID_BODY))) is not None


def test_depth_cap_is_configurable():
    nested = b"<a>" + b"<b>" * 9 + b"</b>" * 9 + b"</a>"  # 10 levels
    assert parse_document(nested, ParserLimits(max_depth=10)) is not None
    with pytest.raises(DocumentRefused) as refused:
        parse_document(nested, ParserLimits(max_depth=9))
    assert refused.value.kind is RefusalKind.TOO_DEEP


def test_malformed_xml_names_the_line():
    with pytest.raises(DocumentRefused) as refused:
        parse_document(b"<a>\n<b>\n</a>", ParserLimits())
    assert refused.value.kind is RefusalKind.MALFORMED
    assert refused.value.violations[0].line == 3


def test_undeclared_entity_is_malformed():
    with pytest.raises(DocumentRefused) as refused:
        parse_document(b"<a>&xxe;</a>", ParserLimits())
    assert refused.value.kind is RefusalKind.MALFORMED


@pytest.mark.parametrize(("max_bytes", "max_depth"), [(0, 64), (1024, 1), (1024, 257)])
def test_limits_are_checked(max_bytes, max_depth):
    with pytest.raises(ValueError, match="max_"):
        ParserLimits(max_bytes, max_depth)


@pytest.mark.parametrize(
    ("document", "says", "declared"),
    [
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="GBK"?><a/>', "UTF-8", "GBK"),
        (b"\xff\xfe" + '<?xml version="1.0" encoding="UTF-16BE"?><a/>'.encode("utf-16-le"), "UTF-16LE", "UTF-16BE"),
        (b"\xfe\xff" + '<?xml version="1.0" encoding="utf-8"?><a/>'.encode("utf-16-be"), "UTF-16BE", "utf-8"),
        ('<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-32"), "UTF-32LE", "UTF-16"),
    ],
)
def test_a_byte_order_mark_the_declaration_contradicts_is_refused(document, says, declared):
    with pytest.raises(DocumentRefused) as refused:
        parse_document(document, ParserLimits())
    assert refused.value.kind is RefusalKind.MALFORMED
    reason = refused.value.violations[0].reason
    assert f"byte-order mark says {says}" in reason and f'encoding="{declared}"' in reason


@pytest.mark.parametrize(
    "document",
    [
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><a>caf\xc3\xa9</a>',
        b'\xef\xbb\xbf<?xml version="1.0" encoding="utf8"?><a>caf\xc3\xa9</a>',
        b"\xef\xbb\xbf<a>caf\xc3\xa9</a>",
        '<?xml version="1.0" encoding="UTF-16"?><a>café</a>'.encode("utf-16"),
        b"\xff\xfe" + '<?xml version="1.0" encoding="UTF-16LE"?><a>café</a>'.encode("utf-16-le"),
        "<?xml version='1.0'?><a>café</a>".encode("utf-16"),
        '<?xml version="1.0" encoding="ISO-8859-1"?><a>caf\xe9</a>'.encode("latin-1"),
    ],
    ids=["utf8-bom-utf8", "utf8-bom-utf8-alias", "utf8-bom-no-declaration", "utf16-bom-utf16",
         "utf16le-bom-utf16le", "utf16-bom-no-encoding", "no-bom-latin1"],
)
def test_a_byte_order_mark_that_agrees_with_the_declaration_is_accepted(document):
    assert parse_document(document, ParserLimits()).text == "café"


# Attribute caps: refused before any schema work (the explaining pass's cost is cubic in one element's attributes).


def _attributes(count: int, prefix: str = "x") -> bytes:
    return b" ".join(f"{prefix}{i}='1'".encode() for i in range(count))


def test_an_element_with_more_attributes_than_the_cap_is_refused_naming_it_and_the_count():
    document = b"<a>\n<b>\n<c " + _attributes(2_000) + b"/></b></a>"
    with pytest.raises(DocumentRefused) as refused:
        parse_document(document, ParserLimits(), check_structure=False)  # refused whatever the caller checks
    assert refused.value.kind is RefusalKind.TOO_LARGE
    [violation] = refused.value.violations
    assert (violation.line, violation.path) == (3, "/a/b/c")
    assert violation.reason == "the element c has 2000 attributes, over the limit of 64 attributes per element"


def test_the_element_over_the_cap_is_named_with_its_prefix():
    document = b"<p:a xmlns:p='urn:p'><p:b " + _attributes(65) + b"/></p:a>"
    with pytest.raises(DocumentRefused, match="the element p:b has 65 attributes") as refused:
        parse_document(document, ParserLimits())
    assert refused.value.violations[0].path == "/p:a/p:b"


def test_a_document_with_more_attributes_in_all_than_the_cap_is_refused():
    document = b"<a>" + b"".join(b"<b " + _attributes(60) + b"/>" for _ in range(200)) + b"</a>"
    with pytest.raises(DocumentRefused) as refused:
        parse_document(document, ParserLimits())
    assert refused.value.kind is RefusalKind.TOO_LARGE
    assert refused.value.violations[0].reason == (
        "the document has 12000 attributes, over the limit of 10000 attributes in all"
    )


def test_attribute_caps_are_configurable_and_namespace_declarations_do_not_count():
    limits = ParserLimits(max_attributes_per_element=3, max_attributes=5)
    declarations = b" ".join(f"xmlns:n{i}='urn:{i}'".encode() for i in range(100))
    assert parse_document(b"<a " + declarations + b" x='1' y='2' z='3'><b u='1' v='2'/></a>", limits) is not None
    with pytest.raises(DocumentRefused, match="the element b has 4 attributes, over the limit of 3"):
        parse_document(b"<a><b " + _attributes(4) + b"/></a>", limits)
    with pytest.raises(DocumentRefused, match="the document has 6 attributes, over the limit of 5"):
        parse_document(b"<a " + _attributes(3) + b"><b " + _attributes(3) + b"/></a>", limits)


def test_an_ordinary_command_is_within_the_attribute_caps():
    assert parse_document(VALID_BODY, ParserLimits(max_attributes_per_element=1, max_attributes=1)) is not None


@pytest.mark.parametrize(
    ("per_element", "in_all", "message"),
    [(0, 10, "max_attributes_per_element"), (257, 1000, "max_attributes_per_element"), (64, 63, "max_attributes")],
)
def test_attribute_caps_are_checked(per_element, in_all, message):
    with pytest.raises(ValueError, match=message):
        ParserLimits(max_attributes_per_element=per_element, max_attributes=in_all)
