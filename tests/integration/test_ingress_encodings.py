"""What Java, .NET and C systems of a Chinese operator send, on both ingresses: UTF-16 retries, GBK labelled
gb2312, GBK announced only by the Content-Type's charset, a charset the bytes contradict, 8-bit text declaring
UTF-16, and ``HEAD ?wsdl``. Whatever the ingress sends on must read alone: workers parse it with a plain parser."""

import itertools
import re

import httpx
import pytest
from lxml import etree

from hub.envelope import document_fingerprint
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.integration

C = "urn:onepoint:common:1"
NAMES = "用户王堃反映：朱镕基路附近所有外呼都失败"  # 堃 and 镕 are GBK, not GB2312
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def create(examples_dir) -> str:
    return (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_text(encoding="utf-8")


def document(template: str, *, label: str | None, description: str = NAMES, sent_at: str | None = None,
             message_id: str | None = None) -> str:
    """The example CreateWorkOrder with a fresh message id, ``description``, its declaration naming ``label``."""
    text = template.replace("cs-20261123-000001", message_id or f"cs-enc-{next(_serial):08d}")
    text = re.sub(r"<wo:Description>[^<]*", f"<wo:Description>{description}", text)
    if sent_at is not None:
        text = re.sub(r"<c:SentAt>[^<]*", f"<c:SentAt>{sent_at}", text)
    body = text.split("?>", 1)[1].lstrip()
    return (f'<?xml version="1.0" encoding="{label}"?>\n' if label else "") + body


def post_xml(hub, body: bytes, content_type: str = "application/xml") -> httpx.Response:
    headers = {"content-type": content_type, "authorization": "Bearer cs-dev-token"}
    return httpx.post(hub.xml("workorder"), content=body, headers=headers)


def post_soap(hub, command: str, *, label: str | None, encoding: str, content_type: str) -> httpx.Response:
    prolog = f'<?xml version="1.0" encoding="{label}"?>\n' if label else ""
    body = prolog + envelope(command.encode(), security_header("cs-frontend", "cs-dev-password")).decode()
    headers = {"content-type": content_type, "soapaction": '"CreateWorkOrder"'}
    return httpx.post(hub.soap("workorder"), content=body.encode(encoding), headers=headers)


def reason_of(response: httpx.Response) -> str:
    return etree.fromstring(response.content).findtext(f".//{{{C}}}Reason") or ""


def faultstring_of(response: httpx.Response) -> tuple[str, str]:
    root = etree.fromstring(response.content)
    return root.findtext(".//faultcode") or "", root.findtext(".//faultstring") or ""


def bare(template: str) -> str:
    return document(template, label=None)


@pytest.mark.parametrize(("encoding", "label"), [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")],
                         ids=["utf16-bom", "utf16be-no-bom", "utf32-bom"])
def test_a_utf16_or_utf32_retry_with_a_new_sent_at_is_a_duplicate_and_sent_on_in_utf8(hub, create, encoding, label):
    before = len(hub.router.envelopes)
    first = document(create, label=label, sent_at="2026-11-24T01:01:00+08:00").encode(encoding)
    assert post_xml(hub, first).status_code == 202
    again = first.decode(encoding).replace("01:01:00", "01:01:30").encode(encoding)
    retried = post_xml(hub, again)
    assert retried.status_code == 200, retried.text
    assert etree.fromstring(retried.content).findtext(f"{{{C}}}Status") == "DUPLICATE"
    assert len(hub.router.envelopes) == before + 1
    payload = hub.router.envelopes[-1].payload
    assert payload.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.fromstring(payload).findtext(".//{urn:onepoint:workorder:1}Description") == NAMES


def test_a_utf16_document_changed_under_the_same_id_is_still_a_reused_id(hub, create):
    first = document(create, label="UTF-16", message_id="cs-enc-utf16-reuse")
    assert post_xml(hub, first.encode("utf-16")).status_code == 202
    other = post_xml(hub, first.replace("0755-83765432", "0755-83760000").encode("utf-16"))
    assert other.status_code == 409 and "message-id-reused" in other.text


@pytest.mark.parametrize(("label", "encoding"), [("UTF-8", "utf-8"), ("GBK", "gbk"), (None, "utf-8")])
def test_utf8_and_gbk_bodies_are_sent_on_and_fingerprinted_as_received(hub, create, label, encoding):
    body = document(create, label=label, description="外呼失败").encode(encoding)
    assert post_xml(hub, body).status_code == 202
    routed = hub.router.envelopes[-1]
    assert routed.payload == body  # the fingerprints stored before are those of these very bytes
    assert routed.fingerprint() == document_fingerprint("CS", "workorder.CreateWorkOrder", body)


def test_gbk_text_labelled_gb2312_is_accepted_on_both_ingresses_and_sent_on_readable(hub, create):
    body = document(create, label="gb2312").encode("gbk")
    xml = post_xml(hub, body)
    assert xml.status_code == 202, xml.text
    payload = hub.router.envelopes[-1].payload
    assert etree.fromstring(payload).findtext(".//{urn:onepoint:workorder:1}Description") == NAMES  # a plain parser
    soap = post_soap(hub, bare(create), label="gb2312", encoding="gbk", content_type="text/xml; charset=gb2312")
    assert soap.status_code == 200, soap.text


def test_gbk_bytes_the_xml_declaration_mislabels_are_named_on_their_line(hub, create):
    text = document(create, label="gb2312")
    body = text.encode("gbk").replace("附".encode("gbk"), b"\x81\x7f")
    line = text[: text.index("<wo:Description>")].count("\n") + 1
    refused = post_xml(hub, body)
    assert refused.status_code == 400
    assert f"line {line}" in reason_of(refused) and "gb2312" in reason_of(refused)


def test_gbk_announced_only_by_the_content_types_charset_is_read_in_it_on_both_ingresses(hub, create):
    xml = post_xml(hub, bare(create).encode("gbk"), "application/xml; charset=GBK")
    assert xml.status_code == 202, xml.text
    payload = hub.router.envelopes[-1].payload
    assert etree.fromstring(payload).findtext(".//{urn:onepoint:workorder:1}Description") == NAMES
    soap = post_soap(hub, bare(create), label=None, encoding="gbk", content_type='text/xml; charset="GBK"')
    assert soap.status_code == 200, soap.text


@pytest.mark.parametrize(("charset", "codec", "text"), [
    ("HZ-GB-2312", "hz", NAMES.replace("堃", "坤").replace("镕", "荣")),  # HZ writes GB2312 only
    ("ISO-2022-JP", "iso2022_jp", "日本語のテキスト"),
], ids=["hz", "iso-2022-jp"])
def test_a_7bit_escape_encoding_named_by_the_charset_is_sent_on_as_the_text_read_on_both_ingresses(
        hub, create, charset, codec, text):
    """HZ and ISO-2022-JP bodies are all ASCII bytes: what is sent on must read as the text accepted, alone."""
    command = document(create, label=None, description=text)
    body = command.encode(codec)
    assert body.isascii()
    xml = post_xml(hub, body, f"application/xml; charset={charset}")
    assert xml.status_code == 202, xml.text
    payload = hub.router.envelopes[-1].payload
    assert etree.fromstring(payload).findtext(".//{urn:onepoint:workorder:1}Description") == text  # a plain parser
    before = len(hub.router.envelopes)
    soap_command = command.replace("cs-enc-", "cs-enc-soap-")
    soap = post_soap(hub, soap_command, label=None, encoding=codec, content_type=f"text/xml; charset={charset}")
    assert soap.status_code == 200, soap.text
    assert len(hub.router.envelopes) == before + 1
    payload = hub.router.envelopes[-1].payload
    assert etree.fromstring(payload).findtext(".//{urn:onepoint:workorder:1}Description") == text


def test_a_charset_the_declaration_contradicts_is_refused_naming_both_on_both_ingresses(hub, create):
    before = len(hub.router.envelopes)
    xml = post_xml(hub, document(create, label="GBK").encode("gbk"), "application/xml; charset=utf-8")
    assert xml.status_code == 400
    assert etree.fromstring(xml.content).findtext(f"{{{C}}}Code") == "malformed"
    assert 'charset=utf-8 but the XML declaration says encoding="GBK"' in reason_of(xml)
    soap = post_soap(hub, bare(create), label="GBK", encoding="gbk", content_type="text/xml; charset=utf-8")
    code, message = faultstring_of(soap)
    assert (soap.status_code, code) == (500, "soap:Client.MalformedXml")
    assert 'charset=utf-8 but the XML declaration says encoding="GBK"' in message
    assert len(hub.router.envelopes) == before


def test_a_charset_the_byte_order_mark_contradicts_is_refused_naming_both(hub, create):
    xml = post_xml(hub, document(create, label="UTF-16").encode("utf-16"), "application/xml; charset=utf-8")
    assert xml.status_code == 400
    assert "charset=utf-8 but the byte-order mark says UTF-16LE" in reason_of(xml)


def test_8bit_text_declaring_utf16_is_refused_naming_both_on_both_ingresses(hub, create):
    """.NET's XmlWriter over a StringWriter declares utf-16; the text is then sent as UTF-8."""
    xml = post_xml(hub, document(create, label="utf-16").encode())
    assert xml.status_code == 400
    assert 'encoding="utf-16"' in reason_of(xml) and "8-bit text" in reason_of(xml)
    soap = post_soap(hub, bare(create), label="utf-16", encoding="utf-8", content_type="text/xml; charset=utf-8")
    code, message = faultstring_of(soap)
    assert code == "soap:Client.MalformedXml" and 'encoding="utf-16"' in message and "8-bit text" in message


def test_head_wsdl_is_answered_as_get_without_the_body(hub):
    got = httpx.get(f"{hub.soap('workorder')}?wsdl")
    head = httpx.head(f"{hub.soap('workorder')}?WSDL")
    assert (head.status_code, head.headers["content-type"]) == (200, got.headers["content-type"])
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert httpx.head(hub.soap("workorder")).status_code == httpx.get(hub.soap("workorder")).status_code == 500


def test_a_get_without_wsdl_names_the_methods_taken(hub):
    refused = httpx.get(hub.soap("workorder"))
    assert refused.status_code == 500 and refused.headers["allow"] == "POST, GET, HEAD"  # a Fault: 500
    assert refused.headers["x-onepoint-refusal"] == "method-not-allowed"


def test_a_missing_soapaction_is_said_so_with_the_one_to_send(hub, create):
    body = envelope(create.encode(), security_header("cs-frontend", "cs-dev-password"))
    refused = httpx.post(hub.soap("workorder"), content=body, headers={"content-type": "text/xml"})
    code, said = faultstring_of(refused)
    assert code == "soap:Client.SoapActionMismatch"
    assert said == ("no SOAPAction header does not match the operation 'CreateWorkOrder': "
                    'send SOAPAction: "CreateWorkOrder"')
