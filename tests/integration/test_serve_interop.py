"""``onepoint serve`` as Java, .NET and Axis2/CXF clients meet it (interop audit): a POST offering ``Upgrade: h2c``
keeps its body, a gzip-compressed body is decoded, a body that stalls is answered 408 after ``[server]
read_timeout_seconds``, and ``--public-url`` is the WSDLs' ``soap:address``."""

from __future__ import annotations

import gzip
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.integration

WAIT = 60.0  # seconds before a missing start fails the test (never asserted on)
DEFAULTS = Path(__file__).resolve().parents[2] / "hub" / "config" / "defaults.toml"
JAVA_OFFER = (b"Connection: Upgrade, HTTP2-Settings\r\n"
              b"HTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAAAAAAQBAAAAAAUAAEAAAAYABgAA\r\n"
              b"Upgrade: h2c\r\nUser-Agent: Java-http-client/17.0.15\r\n")


def query_work_order() -> bytes:
    return (f'<wo:QueryWorkOrder xmlns:wo="urn:onepoint:workorder:1" xmlns:c="urn:onepoint:common:1"><wo:Header>'
            f"<c:MessageId>interop-{uuid.uuid4().hex[:16]}</c:MessageId><c:SourceSystem>CS</c:SourceSystem>"
            "<c:SentAt>2026-11-23T09:15:00+08:00</c:SentAt></wo:Header><wo:WorkOrderId>WO20261206AAAAAAAA"
            "</wo:WorkOrderId></wo:QueryWorkOrder>").encode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("serve-interop")
    config = folder / "hub.toml"
    defaults = DEFAULTS.read_text("utf-8")
    assert "\nread_timeout_seconds = 30 " in defaults
    config.write_text(defaults.replace("\nread_timeout_seconds = 30 ", "\nread_timeout_seconds = 1 ", 1))
    port = free_port()
    with (folder / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "serve", "--config", str(config), "--port",
             str(port), "--emulators", "--emulator-base-port", "0", "--public-url", "https://hub.example.com/op"],
            cwd=folder, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        try:
            deadline = time.monotonic() + WAIT
            while not ready(port):
                assert process.poll() is None, (folder / "serve.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "onepoint serve did not start"
                time.sleep(0.2)
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(WAIT)


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def exchange(port: int, request: bytes) -> bytes:
    """The response to ``request`` (sent whole), read until the server closes or the body is complete."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        data = b""
        while True:
            match = re.search(rb"(?i)content-length: *(\d+)", data)
            if b"\r\n\r\n" in data and match and len(data.split(b"\r\n\r\n", 1)[1]) >= int(match.group(1)):
                return data
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def xml_post(port: int, body: bytes, extra: bytes = b"") -> bytes:
    return exchange(port, b"POST /xml/workorder HTTP/1.1\r\nHost: hub\r\nContent-Type: application/xml\r\n"
                          b"Authorization: Bearer cs-dev-token\r\nContent-Length: %d\r\n" % len(body)
                    + extra + b"\r\n" + body)


def test_a_post_offering_h2c_as_java_does_keeps_its_body(hub: int) -> None:
    answer = xml_post(hub, query_work_order(), JAVA_OFFER)
    assert answer.startswith(b"HTTP/1.1 422 ") and b"no work order WO20261206AAAAAAAA" in answer  # read, looked up


def test_a_gzip_compressed_body_is_decoded(hub: int) -> None:
    answer = xml_post(hub, gzip.compress(query_work_order()), b"Content-Encoding: gzip\r\n")
    assert answer.startswith(b"HTTP/1.1 422 ") and b"no work order WO20261206AAAAAAAA" in answer


def test_a_content_coding_the_hub_cannot_decode_is_answered_415_naming_it(hub: int) -> None:
    answer = xml_post(hub, b"compressed by brotli", b"Content-Encoding: br\r\n")
    assert answer.startswith(b"HTTP/1.1 415 ") and b"unsupported-content-encoding" in answer
    assert b"Content-Encoding 'br' is not supported" in answer


def test_stacked_codings_are_refused_naming_the_limit_on_both_ingresses(hub: int) -> None:
    """415 on the XML ingress; a SOAP Fault (HTTP 500, WS-I BP R1126) naming the refusal in its header."""
    stacked = b"Content-Encoding: " + b",".join([b"gzip"] * 3) + b"\r\n"
    layered = gzip.compress(gzip.compress(gzip.compress(query_work_order())))
    answer = xml_post(hub, layered, stacked)
    assert answer.startswith(b"HTTP/1.1 415 ") and b"stacks 3 codings, more than the 2" in answer
    soap = exchange(hub, b"POST /soap/boss HTTP/1.1\r\nHost: hub\r\nContent-Type: text/xml\r\n"
                         b'SOAPAction: "QueryCustomerTier"\r\nContent-Length: %d\r\n' % len(layered)
                    + stacked + b"\r\n" + layered)  # no WS-Security: refused before anything is inflated
    assert soap.startswith(b"HTTP/1.1 500 ") and b"stacks 3 codings, more than the 2" in soap
    assert b"x-onepoint-refusal: unsupported-content-encoding" in soap.lower()


def test_a_body_that_stalls_is_answered_408(hub: int) -> None:
    answer = exchange(hub, b"POST /xml/workorder HTTP/1.1\r\nHost: hub\r\nContent-Type: application/xml\r\n"
                           b"Authorization: Bearer cs-dev-token\r\nContent-Length: 2000\r\n\r\n<wo:QueryWorkOrders")
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert answer.endswith(b"the request did not arrive whole within 1 s of its first byte: send the headers and "
                           b"the whole body without pausing\n")


def test_the_wsdls_address_is_the_public_url(hub: int) -> None:
    wsdl = httpx.get(f"http://127.0.0.1:{hub}/soap/workorder?wsdl", timeout=20).text
    assert re.findall(r'address location="([^"]+)"', wsdl) == ["https://hub.example.com/op/soap/workorder"]
