"""A dispatch NSP did get is never noted as one it "never got": the ``workorder.DeadLetterNote`` of a dead-lettered
``nsp.NetworkComplaintDispatch`` carries how far its last call got (``FailureClass``), so the work order's history
words it truthfully (``tests/unit/workflow/test_dead_letter_note``). Before, every failure without a refusal code
(NSP answering a ticket id that breaks nsp.xsd's pattern, a 200 ``c:Error``, an empty 200, malformed XML, retries
exhausted by timeouts) was noted alike and the history said NSP never got the dispatch; a supervisor dispatching
again then gave NSP two tickets for one complaint."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from lxml import etree

from hub.envelope import Envelope
from tests.unit.adapters.nsp.test_nsp_adapter import ANSWER, Nsp, nsp  # noqa: F401 (the fixture)
from tests.unit.adapters.soap_kit import command, registry

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
C_ERROR = (b'<c:Error xmlns:c="urn:onepoint:common:1"><c:Code>internal</c:Code><c:Message>ticket store busy'
           b'</c:Message></c:Error>')


def dispatch() -> Envelope:
    return replace(command("nsp/NetworkComplaintDispatch.valid.xml", message_id="hub-d-00000021"),
                   source_system="HUB")


def note_fields(adapter: Nsp) -> dict[str, str]:
    (note,) = [etree.fromstring(e.payload) for e, targets in adapter.client.sent
               if e.command_type == "workorder.DeadLetterNote" and targets == ("workflow",)]
    registry().get("workorder").lxml_schema.assertValid(note)
    return {etree.QName(child).localname: child.text or "" for child in note[1:]}


@pytest.mark.parametrize("answer", [
    ANSWER.replace(b"NSP20261123000417", b"NSP-20261207-000417"),  # a ticket id breaking nsp.xsd's pattern
    C_ERROR,  # a c:Error with status 200
    b"",  # an empty 200
    b"<nsp:NetworkComplaintDispatchResponse xmlns:nsp='urn:onepoint:nsp:1'><nsp:Ack>",  # malformed XML
], ids=["ticket-pattern", "error-200", "empty", "malformed"])
def test_an_answer_the_hub_cannot_read_is_noted_as_answered(nsp: Nsp, answer: bytes) -> None:  # noqa: F811
    nsp.route.respond(200, content=answer, headers=XML)
    assert nsp.client.send(dispatch(), on_wait=lambda _s: None).dead
    fields = note_fields(nsp)
    assert fields["FailureClass"] == "UNREADABLE_ANSWER" and "RefusalCode" not in fields


def test_retries_exhausted_by_timeouts_are_noted_as_timed_out(nsp: Nsp) -> None:  # noqa: F811
    nsp.route.side_effect = httpx.ReadTimeout("no answer in time")
    assert nsp.client.send(dispatch(), on_wait=lambda _s: None).dead
    fields = note_fields(nsp)
    assert (fields["Kind"], fields["FailureClass"]) == ("exhausted", "TIMED_OUT")


def test_a_refused_connection_after_several_calls_is_not_said_never_to_have_reached_nsp(nsp: Nsp) -> None:  # noqa: F811
    """Only the last call's class is known: an earlier call may have reached NSP and timed out waiting for its
    answer (review of de6ebc6: "nsp never got it" after a first timeout), so the note says it is not known."""
    calls: list[int] = []

    def first_times_out(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("sent; no answer in time")
        raise httpx.ConnectError("connection refused")

    nsp.route.side_effect = first_times_out
    assert nsp.client.send(dispatch(), on_wait=lambda _s: None).dead
    assert len(calls) > 1 and "FailureClass" not in note_fields(nsp)


def test_nsps_own_refusal_is_noted_as_refused_with_its_code(nsp: Nsp) -> None:  # noqa: F811
    nsp.route.respond(400, content=C_ERROR.replace(b"internal", b"invalid-area"), headers=XML)
    assert nsp.client.send(dispatch(), on_wait=lambda _s: None).dead
    fields = note_fields(nsp)
    assert (fields["RefusalCode"], fields["FailureClass"]) == ("invalid-area", "REFUSED")
