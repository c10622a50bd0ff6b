"""Handlers for the worker tests and the ``onepoint worker`` test.

``sync_hlr`` appends each effect to the file named by ONEPOINT_TEST_EFFECTS; ``query_tier`` answers
``boss.QueryCustomerTier`` with a response built from the schema example (or refuses an unknown subscriber);
``dispatching`` holds a workflow handler that sends an NSP dispatch through ``outbound``.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from hub.envelope import Envelope
from hub.validation.command_sets import schema_directory
from hub.workers import BusinessRejection, HandlerRegistry, PermanentError, Reply, Sender

BOSS = "urn:onepoint:boss:1"
C = "urn:onepoint:common:1"
UNKNOWN_SUBSCRIBER = "13900000000"

handlers = HandlerRegistry()


def dependencies() -> dict[str, Path]:
    return {"effects": Path(os.environ["ONEPOINT_TEST_EFFECTS"])}


def example(path: str) -> bytes:
    with schema_directory() as directory:
        return (directory / "examples" / path).read_bytes()


@handlers.handler("boss.SyncHLR")
def sync_hlr(envelope: Envelope, effects: Path) -> str:
    if b"refuse" in envelope.payload:
        raise PermanentError("this subscriber cannot be synced")
    with effects.open("a") as out:
        out.write(envelope.message_id + "\n")
    return "synced"


def tier_response(envelope: Envelope) -> bytes:
    """The example response, acknowledging ``envelope``'s query (its ids and its Msisdn)."""
    query = etree.fromstring(envelope.payload)
    msisdn = query.findtext(f"{{{BOSS}}}Msisdn")
    root = etree.fromstring(example("boss/responses/QueryCustomerTierResponse.xml"))
    ack = root.find(f"{{{BOSS}}}Ack")
    assert ack is not None
    ack.find(f"{{{C}}}MessageId").text = envelope.message_id  # type: ignore[union-attr]
    correlation = ack.find(f"{{{C}}}CorrelationId")
    if envelope.correlation_id:
        correlation.text = envelope.correlation_id  # type: ignore[union-attr]
    else:
        ack.remove(correlation)  # type: ignore[arg-type]
    root.find(f"{{{BOSS}}}Msisdn").text = msisdn  # type: ignore[union-attr]
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


@handlers.handler("boss.QueryCustomerTier")
def query_tier(envelope: Envelope) -> Reply:
    if etree.fromstring(envelope.payload).findtext(f"{{{BOSS}}}Msisdn") == UNKNOWN_SUBSCRIBER:
        raise BusinessRejection(f"no subscriber {UNKNOWN_SUBSCRIBER}", code="subscriber-not-found")
    return Reply(tier_response(envelope), outcome="tier sent")


def tier_query(msisdn: str = "13800138000", message_id: str = "cs-query-00000001") -> bytes:
    """A ``boss.QueryCustomerTier`` from the complaint front end."""
    document = example("boss/QueryCustomerTier.valid.xml").replace(b">HUB<", b">CS<")
    document = document.replace(b"13800138000", msisdn.encode())
    return document.replace(b"hub-7f3a9c2e41d84b5a", message_id.encode())


dispatching = HandlerRegistry()


@dispatching.handler("workorder.CreateWorkOrder", consumer="workflow")
def create_work_order(envelope: Envelope, outbound: Sender) -> str:
    """Dispatches the complaint to NSP (the example dispatch stands for the one a workflow would build)."""
    outbound.send(example("nsp/NetworkComplaintDispatch.valid.xml"), step="dispatch-nsp")
    return "dispatched"
