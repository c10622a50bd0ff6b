"""The response examples of what NSP sends the hub show what ``POST /xml/nsp`` answers: NetworkComplaintReply is a
request of the built-in routing table, answered by the workflow's ``nsp:NetworkComplaintReplyResponse`` (Ack
COMPLETED, as ``hub.workflow.nsp_reply_answers`` builds it); OutageNotice is a command, answered by the ingress's
bare ``c:Ack`` (ACCEPTED), never by a wrapped ``nsp:OutageNoticeResponse``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.table import RoutingTable
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation import CommandSetRegistry
from hub.workflow.nsp_reply_answers import reply_taken

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"
NSP = "urn:onepoint:nsp:1"


def route_timeout(command_type: str) -> float | None:
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=DEFAULT_CONSUMERS, command_types=registry.command_types())
    return table.decide(Envelope("nsp-0000000001", command_type, "NSP", b"<x/>"))[1]


def shape(element: etree._Element) -> list[str]:
    return [str(e.tag) for e in element.iter() if isinstance(e.tag, str)]


def test_a_reply_is_answered_the_workflows_response(examples_dir: Path) -> None:
    assert route_timeout("nsp.NetworkComplaintReply") is not None  # a request
    example = etree.parse(str(examples_dir / "nsp" / "responses" / "NetworkComplaintReplyResponse.xml")).getroot()
    assert example.findtext(f"{{{NSP}}}Ack/{{{C}}}Status") == "COMPLETED"
    answered = reply_taken(Envelope("nsp-20261123-110812-0031", "nsp.NetworkComplaintReply", "NSP", b"<x/>",
                                    correlation_id="hub-1a2b3c4d5e6f7081"), datetime.now(UTC))
    assert shape(answered) == shape(example)


def test_an_outage_notice_is_answered_the_ingress_ack(examples_dir: Path) -> None:
    assert route_timeout("nsp.OutageNotice") is None  # a command: the ingress's Ack, 202
    example = etree.parse(str(examples_dir / "nsp" / "responses" / "OutageNoticeResponse.xml")).getroot()
    assert example.tag == f"{{{C}}}Ack" and example.findtext(f"{{{C}}}Status") == "ACCEPTED"
