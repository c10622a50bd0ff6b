"""A system that trickles its answer (each byte within the read timeout) cannot hold a call past its deadline
(connect + read timeout): the headers' wait counts as much as the body's, on the XML and the SOAP gateway."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hub.config.adapters import AdapterSettings
from hub.gateways import SoapGateway, XmlGateway
from hub.validation import CommandSetRegistry, schema_directory
from hub.workers.errors import TransientError
from tests.support.trickling import trickling_server
from tests.unit.adapters.soap_kit import wsdl

pytestmark = pytest.mark.integration

TRICKLE_SECONDS = 30.0  # how long the system would go on sending, a byte every 0.2 s
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 150\r\n\r\n"


def trickling_system(where: str) -> Iterator[int]:
    """A server on 127.0.0.1 that reads a request, then sends the headers (``where="headers"``: them too) a byte
    every 0.2 s for ``TRICKLE_SECONDS``."""
    trickled = HEADERS if where == "headers" else b" " * 150
    with trickling_server(trickled, at_once=HEADERS if where == "body" else b"", give_up=TRICKLE_SECONDS) as port:
        yield port


@pytest.fixture(params=["headers", "body"])
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    yield from trickling_system(request.param)


def test_an_xml_call_ends_at_its_deadline(port: int) -> None:
    settings = AdapterSettings(system="nsp", url=f"http://127.0.0.1:{port}/xml", connect_timeout=1.0,
                               read_timeout=1.0)
    gateway = XmlGateway(settings, CommandSetRegistry.installed(detailed=False).get("nsp"))
    with schema_directory() as directory:
        document = etree.parse(str(Path(directory, "examples/nsp/NetworkComplaintDispatch.valid.xml"))).getroot()
    started = time.monotonic()
    try:
        with pytest.raises(TransientError, match=r"(?i)timeout|timed out|deadline"):
            gateway.post("NetworkComplaintDispatch", document)
    finally:
        gateway.close()
    assert time.monotonic() - started < TRICKLE_SECONDS / 2  # ended by the 2 s deadline, not by the system


def test_a_soap_call_ends_at_its_deadline(port: int, tmp_path: Path) -> None:
    description = tmp_path / "boss.wsdl"
    description.write_bytes(wsdl("boss"))
    settings = AdapterSettings(system="boss", url=f"http://127.0.0.1:{port}/", wsdl=str(description),
                               connect_timeout=1.0, read_timeout=1.0, username="hub", password="hub-pw")
    gateway = SoapGateway(settings, CommandSetRegistry.installed(detailed=False).get("boss"))
    started = time.monotonic()
    try:
        with pytest.raises(TransientError, match=r"(?i)timeout|timed out|deadline"):
            gateway.call("QueryCustomerTier", Header={"MessageId": "hub-000000001", "SourceSystem": "HUB",
                                                      "SentAt": "2026-11-23T09:00:00+08:00"}, Msisdn="13800138000")
    finally:
        gateway.close()
    assert time.monotonic() - started < TRICKLE_SECONDS / 2
