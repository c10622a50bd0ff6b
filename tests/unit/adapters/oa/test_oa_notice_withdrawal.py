"""A notice NSP withdraws as issued in error (status WITHDRAWN): the OA adapter re-announces the to-reads of every
manager told of it, as for a clearance, saying it was withdrawn and that there was no outage."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.envelope import Envelope
from tests.unit.adapters.oa.oa_kit import OA, Oa
from tests.unit.adapters.oa.test_oa_notice_versions import fault
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit


def withdrawn(message_id: str) -> Envelope:
    return command("nsp/OutageNotice.valid-withdrawn.xml", message_id=message_id, correlation_id=None)


def test_a_withdrawal_re_announces_the_managers_to_reads_saying_it_was_withdrawn(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-fault-r1")).processed
    told = {etree.fromstring(e.payload).findtext(f"{{{OA}}}UserId") for e, _ in oa.client.sent}
    pushed = len(oa.client.sent)
    result = oa.client.send(withdrawn("nsp-withdrawn-r2"))
    assert result.processed, result.reason
    pushes = [etree.fromstring(e.payload) for e, _ in oa.client.sent[pushed:]]
    assert {p.findtext(f"{{{OA}}}UserId") for p in pushes} == told and told
    for push in pushes:
        assert "withdrawn" in (push.findtext(f"{{{OA}}}Title") or "")
        assert "there was no outage" in (push.findtext(f"{{{OA}}}Summary") or "")
        assert push.findtext(f"{{{OA}}}Priority") == "4"
    assert "stale" in (oa.client.send(fault("nsp-late-r1")).outcome or "")  # the older revision, come late
