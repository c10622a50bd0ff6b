"""End to end: a network complaint dispatched (as the workflow sends it) → broker → the NSP adapter's Worker → the
NSP emulator over HTTP (its ticket the outcome, told to the workflow's queue: ``workorder.NspDispatchNote``); NSP's
reply call-back → the hub's XML ingress (NSP's own bearer token) → the routing table → the workflow's queue, a
request whose answer (the workflow's verdict, here answered by the test) NSP's call-back gets. On memory:// and on
RabbitMQ."""

from __future__ import annotations

from typing import Any

from lxml import etree

import adapters.nsp as nsp_adapter
from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.codec import envelope_from_message
from hub.routing.outbound import BrokerOutbound
from hub.store.keys import processed_key
from hub.validation import DocumentValidator
from tests.integration.adapters.conftest import WAIT, take_delivery, wait_until, xml_gateway_settings
from tests.integration.adapters.hub_kit import RunningHub
from tests.unit.adapters.soap_kit import example

NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"
NSP_TOKEN = "nsp-dev-token"  # NSP's development caller credentials (README, hub/config/defaults.toml)


def test_nsps_reply_to_a_dispatched_complaint_reaches_the_workflow(running_hub: RunningHub,
                                                                   emulator_factory: Any) -> None:
    nsp = emulator_factory("nsp", hub_url=running_hub.base_url, hub_token=NSP_TOKEN, reply_delay=0.0,
                           callback_backoff=0.05)
    cause = Envelope("cs-create-wo-0000001", "workorder.CreateWorkOrder", "CS", b"<created/>",
                     correlation_id="cs-20261123-000100")
    outbound = BrokerOutbound(running_hub.broker, running_hub.router.table, DocumentValidator(running_hub.registry))
    with running_hub.adapter(nsp_adapter, xml_gateway_settings("nsp", nsp.base_url)) as deps:
        sent = outbound.send(example("nsp/NetworkComplaintDispatch.valid.xml"), cause=cause, step="dispatch-nsp",
                             consumer="workflow")
        assert sent.targets == ("nsp",)
        # NSP's acceptance told by the adapter and NSP's reply race: either first
        deliveries = [take_delivery(running_hub.broker, running_hub.queue("workflow"), f"message {n} in the workflow "
                                    "queue") for n in (1, 2)]
        arrived = [envelope_from_message(d.message) for d in deliveries]
        (note,) = [e for e in arrived if e.command_type == "workorder.NspDispatchNote"]
        (reply,) = [e for e in arrived if e.command_type == "nsp.NetworkComplaintReply"]
        (request,) = [d.message for d in deliveries if d.message.reply_to]  # NSP's reply waits for the verdict
        running_hub.broker.reply(request, example("nsp/responses/NetworkComplaintReplyResponse.xml")).result(WAIT)
        outcome = deps["store"].outcome(processed_key("nsp", HUB_SYSTEM, sent.message_id))
    (ticket,) = nsp.state()["tickets"]
    assert outcome == f"ticket {ticket['ticket_id']}"
    assert ticket["message_id"] == sent.message_id and ticket["work_order_id"] == "WO20261123A7K2M9Q1"
    assert (reply.command_type, reply.source_system) == ("nsp.NetworkComplaintReply", "NSP")
    document = etree.fromstring(reply.payload)
    assert document.findtext(f"{{{NSP}}}NspTicketId") == ticket["ticket_id"]
    assert document.findtext(f"{{{NSP}}}WorkOrderId") == "WO20261123A7K2M9Q1"
    assert reply.correlation_id == sent.message_id  # NSP answers the dispatch it got from the hub
    told = etree.fromstring(note.payload)
    wo = "urn:onepoint:workorder:1"
    assert note.source_system == "HUB"
    assert [told.findtext(f"{{{wo}}}{name}") for name in ("WorkOrderId", "DispatchId", "NspTicketId")] == [
        "WO20261123A7K2M9Q1", sent.message_id, ticket["ticket_id"]]
    wait_until(lambda: nsp.state()["callbacks"][0]["status"] == "delivered", "NSP to see its call-back accepted")
    assert running_hub.broker.message_count(running_hub.queue("workflow")) == 0  # the note and one reply, taken above
