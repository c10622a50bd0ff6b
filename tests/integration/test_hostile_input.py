"""Hostile input on both ingresses: refused with a clear error, nothing routed, the server stays up and small."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from lxml import etree

from tests.support.hostile import VALID_BODY, cases, huge_body
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def canary():
    """An HTTP server on 127.0.0.1 that records every request: any hit means something was fetched."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "leaked">')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def soap_post(hub, body, charset="utf-8"):
    return httpx.post(
        hub.soap("workorder"),
        content=body,
        headers={"content-type": f"text/xml; charset={charset}", "soapaction": '"QueryWorkOrder"'},
    )


def xml_post(hub, body):
    return httpx.post(
        hub.xml("workorder"),
        content=body,
        headers={"content-type": "application/xml", "authorization": "Bearer cs-dev-token"},
    )


def assert_still_serving(hub, serial: int):
    body = VALID_BODY.replace(b"cs-hostile-000001", f"cs-after-{serial:08d}".encode())
    assert xml_post(hub, body).status_code == 202
    soap = envelope(body.replace(b"cs-after", b"cs-soap-after"), security_header("cs-frontend", "cs-dev-password"))
    assert soap_post(hub, soap).status_code == 200


@pytest.mark.parametrize("case", cases("http://127.0.0.1:1"), ids=lambda c: c.name)
def test_hostile_document_on_both_ingresses(hub, canary, case):
    canary_url, hits = canary
    case = next(c for c in cases(canary_url) if c.name == case.name)
    before = len(hub.router.envelopes)

    xml = xml_post(hub, case.as_xml())
    assert xml.status_code == 400, xml.text
    error = etree.fromstring(xml.content)
    assert error.findtext("{urn:onepoint:common:1}Code") in {"forbidden", "too-deep", "malformed", "empty"}
    assert error.findtext(".//{urn:onepoint:common:1}Reason")

    # the charset the case is written in: one its bytes contradict would be refused before what the case tests
    soap = soap_post(hub, case.as_soap(security_header("cs-frontend", "cs-dev-password")), charset=case.encoding)
    assert soap.status_code == 500, soap.text
    fault = etree.fromstring(soap.content)
    assert fault.findtext(".//faultcode").startswith("soap:Client.")
    assert fault.findtext(".//faultstring")

    assert len(hub.router.envelopes) == before
    assert hits == []
    assert_still_serving(hub, abs(hash(case.name)) % 10**8)


@pytest.mark.parametrize("ingress", ["xml", "soap"])
def test_50_mb_body_is_refused_without_being_buffered(hub, ingress):
    before_routed = len(hub.router.envelopes)
    before_rss = rss_bytes()
    header = security_header("cs-frontend", "cs-dev-password")
    make = (lambda b: b) if ingress == "xml" else (lambda b: envelope(b, header))
    url = hub.xml("workorder") if ingress == "xml" else hub.soap("workorder")
    headers = (
        {"content-type": "application/xml", "authorization": "Bearer cs-dev-token"}
        if ingress == "xml"
        else {"content-type": "text/xml", "soapaction": "QueryWorkOrder"}
    )
    too_large = 413 if ingress == "xml" else 500  # a SOAP Fault is HTTP 500 (WS-I BP R1126)
    # Streamed without Content-Length (chunked): the server must cut it off at the cap, not read 50 MB.
    try:
        response = httpx.post(url, content=huge_body(make), headers=headers, timeout=30)
        assert response.status_code == too_large and response.headers["x-onepoint-refusal"] == "too-large"
    except httpx.WriteError:
        pass  # the server answered 413 and closed while the client was still sending: equally refused
    # Announced with Content-Length: refused before reading.
    announced = httpx.post(url, content=b"x" * 2_000_000, headers=headers)
    assert announced.status_code == too_large and announced.headers["x-onepoint-refusal"] == "too-large"
    assert len(hub.router.envelopes) == before_routed
    assert rss_bytes() - before_rss < 40 * 1024 * 1024
    assert_still_serving(hub, 50 if ingress == "xml" else 51)


def test_memory_stays_bounded_under_repeated_attacks(hub, canary):
    canary_url, _ = canary
    documents = [c.as_xml() for c in cases(canary_url)]
    for document in documents:  # warm up
        xml_post(hub, document)
    baseline = rss_bytes()
    with httpx.Client() as client:
        for _ in range(20):
            for document in documents:
                client.post(
                    hub.xml("workorder"),
                    content=document,
                    headers={"content-type": "application/xml", "authorization": "Bearer cs-dev-token"},
                )
    assert rss_bytes() - baseline < 20 * 1024 * 1024
