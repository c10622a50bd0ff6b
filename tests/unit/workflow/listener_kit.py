"""Helpers of the event listeners' unit tests: register listeners and move a complaint through the handlers."""

from __future__ import annotations

import json
from typing import Any

import httpx
from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from tests.unit.workflow.kit import WO, act, answer, command, envelope, text


def register(client: WorkerTestClient, url: str, *, event_types: tuple[str, ...] = (), category: str | None = None,
             area_code: str | None = None, source: str = "CS") -> str:
    """RegisterListener through the worker pipeline; returns the listener id."""
    document, message_id = command("RegisterListener.valid-no-filter.xml", Callback=url)
    if event_types or category or area_code:
        wanted = etree.SubElement(document, f"{{{WO}}}Filter")
        for name in event_types:
            etree.SubElement(wanted, f"{{{WO}}}EventType").text = name
        if category:
            etree.SubElement(wanted, f"{{{WO}}}Category").text = category
        if area_code:
            etree.SubElement(wanted, f"{{{WO}}}AreaCode").text = area_code
    sent = Envelope(message_id, "workorder.RegisterListener", source, etree.tostring(document))
    listener_id = text(answer(client.request(sent)), "wo:ListenerId")
    assert listener_id is not None
    return listener_id


def unregister(client: WorkerTestClient, listener_id: str, *, source: str = "CS") -> etree._Element:
    document, message_id = command("UnregisterListener.valid.xml", ListenerId=listener_id)
    sent = Envelope(message_id, "workorder.UnregisterListener", source, etree.tostring(document))
    return answer(client.request(sent))


def query(client: WorkerTestClient, listener_id: str | None = None, *, source: str = "CS") -> etree._Element:
    """QueryListeners through the worker pipeline (every listener of ``source``, or the one named); the answer."""
    if listener_id is None:
        document, message_id = command("QueryListeners.valid.xml")
    else:
        document, message_id = command("QueryListeners.valid-one-listener.xml", ListenerId=listener_id)
    return answer(client.request(Envelope(message_id, "workorder.QueryListeners", source, etree.tostring(document))))


def create(client: WorkerTestClient, **replace: str) -> str:
    created = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml", **replace))))
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id is not None
    return work_order_id


def dispatch(client: WorkerTestClient, work_order_id: str) -> None:
    """The example Dispatch, every field its template wants."""
    assert text(act(client, work_order_id, "WorkOrderAction.valid-dispatch.xml"), "wo:State") == "DISPATCHED"


def to_close(client: WorkerTestClient, work_order_id: str) -> None:
    """Dispatched, started, pending for information, supplied, replied, return visit, closed."""
    dispatch(client, work_order_id)
    for example, state in (("start", "IN_PROGRESS"), ("pend", "PENDING"), ("supply-info", "IN_PROGRESS"),
                           ("reply", "REPLIED"), ("callback", "RETURN_VISITED"), ("close", "CLOSED")):
        assert text(act(client, work_order_id, f"WorkOrderAction.valid-{example}.xml"), "wo:State") == state


def bodies(calls: Any) -> list[dict[str, Any]]:
    """The JSON documents POSTed, in order (respx's recorded calls)."""
    requests: list[httpx.Request] = [call.request for call in calls]
    return [json.loads(request.content) for request in requests]
