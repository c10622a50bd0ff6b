"""NSP's NetworkComplaintReply names NSP's ticket (NspTicketId): once the hub recorded the ticket of a work order's
current dispatch (from NSP's first reply to it), a reply for that work order naming another ticket is refused as
``wrong-ticket``, naming both ids, nothing written; the same ticket answering again is taken, and a dispatch sent
again starts with no ticket recorded."""

from __future__ import annotations

import pytest

from hub.workers import SendResult, WorkerTestClient
from hub.workflow.nsp_tickets import recorded_ticket
from tests.unit.workflow.audit_kit import created, dispatch, history, state
from tests.unit.workflow.test_nsp_reply_answers import reply_envelope
from tests.unit.workflow.test_nsp_stale_reply import dispatch_ids, refused

pytestmark = pytest.mark.unit

FIRST, OTHER = "NSP20261123000417", "NSP20261123000999"


def reply(client: WorkerTestClient, work_order_id: str, ticket_id: str, dispatch_id: str | None) -> SendResult:
    """NSP's reply naming ``ticket_id``, correlated with ``dispatch_id`` (None: with no dispatch)."""
    return client.send(reply_envelope(work_order_id, ticket_id, dispatch_id))


def test_a_reply_naming_another_ticket_than_the_one_recorded_is_refused(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    (dispatch_id,) = dispatch_ids(client, work_order_id)
    assert reply(client, work_order_id, FIRST, dispatch_id).processed
    before = history(client, work_order_id)
    result = reply(client, work_order_id, OTHER, dispatch_id)
    refused(result, "wrong-ticket")
    assert FIRST in (result.reason or "") and OTHER in (result.reason or "")
    assert (state(client, work_order_id), history(client, work_order_id)) == ("IN_PROGRESS", before)
    refused(reply(client, work_order_id, OTHER, None), "wrong-ticket")  # uncorrelated: the work order's ticket
    assert reply(client, work_order_id, FIRST, dispatch_id).processed  # the same ticket answering again


def entry(kind: str, action: str | None = None, field: str | None = None, value: str | None = None) -> dict:
    return {"kind": kind, "action": action, "field": field, "new_value": value}


def test_only_the_replies_since_the_current_dispatch_count() -> None:
    answered = [entry("state", "DISPATCH"), entry("field", field="nsp_nspticketid", value=FIRST)]
    assert recorded_ticket(answered) == FIRST
    assert recorded_ticket([*answered, entry("state", "REJECT_DISPATCH"), entry("state", "DISPATCH")]) is None
    assert recorded_ticket([entry("state", "DISPATCH")]) is None
