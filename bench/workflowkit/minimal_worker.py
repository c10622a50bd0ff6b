"""The minimal consumer written by hand, as its own process (not run by hand): what any implementation of
*CreateWorkOrder → work order DISPATCHED, NSP told with a confirm* could hope for here.

    python bench/workflowkit/minimal_worker.py URL PREFIX DATABASE PREFETCH

pika's ``BlockingConnection``: one channel consumes ``<PREFIX>.workflow`` (``PREFETCH``), one confirm-mode channel
publishes. Per delivery, with the standard library's ``sqlite3`` on the hub's schema (WAL, ``synchronous=NORMAL``):
``BEGIN IMMEDIATE``; the message id looked up in the processed table; the document parsed with lxml and its fields
read; the work-order row (state DISPATCHED, fixed deadlines), three history rows, the deadline rows, two outbox
events and the processed id inserted; the NetworkComplaintDispatch (the schema example, ids and number replaced,
not validated) published to the NSP queue and its confirm awaited; ``COMMIT``; the answer published to the
request's reply-to with its confirm; ack. No hub code. Prints ``ready``; EOF on stdin stops it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pika
from lxml import etree

WO, C = "urn:onepoint:workorder:1", "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DISPATCH = (Path(__file__).resolve().parents[2] / "schemas" / "examples" / "nsp"
            / "NetworkComplaintDispatch.valid.xml").read_text(encoding="utf-8")
ANSWER = ('<?xml version="1.0" encoding="UTF-8"?><wo:CreateWorkOrderResponse xmlns:wo="{wo}" xmlns:c="{c}">'
          "<wo:Header><c:MessageId>{mid}-r</c:MessageId><c:CorrelationId>{mid}</c:CorrelationId>"
          "<c:SourceSystem>HUB</c:SourceSystem><c:SentAt>{now}</c:SentAt></wo:Header>"
          "<wo:WorkOrderId>{wid}</wo:WorkOrderId><wo:State>DISPATCHED</wo:State></wo:CreateWorkOrderResponse>")
WORK_ORDER = ("INSERT INTO work_orders (id, channel, msisdn, contact_number, category_code, phenomenon, description,"
              " occurred_at, location, area_code, district, taken_by, tier, priority, state, owner, escalation_level,"
              " created_at, updated_at, first_response_due, reply_due, paused_seconds, dispatch_fields,"
              " invalid_dispatches, version, sla_version, calendar_version, first_responded_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 'DISPATCHED', 'NETWORK_OPS', 0, ?, ?, ?, ?, 0, ?,"
              " 0, 2, 'bench', 'bench', ?)")
HISTORY = ("INSERT INTO work_order_history (work_order_id, seq, at, actor, system, message_id, kind, action,"
           " from_state, to_state, note) VALUES (?, ?, ?, ?, ?, ?, 'state', ?, ?, ?, ?)")
DEADLINE = "INSERT INTO deadlines (work_order_id, kind, due_at) VALUES (?, ?, ?)"
EVENT = ("INSERT INTO work_order_events (event_id, work_order_id, seq, kind, payload, created_at)"
         " VALUES (?, ?, ?, ?, ?, ?)")


def stamp(moment: datetime) -> str:
    """SQLAlchemy's SQLite text for an aware time in UTC (what the hub's ``UTCDateTime`` stores)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def main() -> None:
    url, prefix, database, prefetch = sys.argv[1:5]
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "cache_size=-65536",
                   "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    consuming, publishing = connection.channel(), connection.channel()
    publishing.confirm_delivery()
    consuming.basic_qos(prefetch_count=int(prefetch))
    dispatch_key = "nsp.nsp.NetworkComplaintDispatch"

    def handle(channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        mid = properties.message_id
        db.execute("BEGIN IMMEDIATE")
        if db.execute("SELECT 1 FROM workflow_processed_messages WHERE message_id = ?", (mid,)).fetchone():
            db.execute("COMMIT")
            channel.basic_ack(method.delivery_tag)
            return
        doc = etree.fromstring(body)
        text = doc.findtext
        now = datetime.now(UTC)
        at = stamp(now)
        wid = "WO" + now.strftime("%Y%m%d") + "".join(secrets.choice(ALPHABET) for _ in range(8))
        msisdn, taken_by = text("wo:Msisdn", namespaces=NS), text("wo:TakenBy", namespaces=NS)
        fields = {e.get("name"): e.text for e in doc.iterfind("wo:Field", NS)}
        db.execute(WORK_ORDER, (
            wid, text("wo:Channel", namespaces=NS), msisdn, text("wo:ContactNumber", namespaces=NS),
            text("wo:CategoryCode", namespaces=NS), text("wo:Phenomenon", namespaces=NS),
            text("wo:Description", namespaces=NS), stamp(datetime.fromisoformat(text("wo:OccurredAt", namespaces=NS))),
            text("wo:Location", namespaces=NS), text("wo:Area/c:AreaCode", namespaces=NS),
            text("wo:Area/c:District", namespaces=NS), taken_by, "PREPAID", at, at,
            stamp(now + timedelta(hours=2)), stamp(now + timedelta(hours=24)), json.dumps(fields, sort_keys=True), at))
        db.executemany(HISTORY, [
            (wid, 1, at, taken_by, "CS", mid, "CREATE", None, "NEW", "HOTLINE complaint"),
            (wid, 2, at, "hub", "HUB", mid, "ACCEPT", "NEW", "ACCEPTED", "tier PREPAID"),
            (wid, 3, at, taken_by, "CS", mid, "DISPATCH", "ACCEPTED", "DISPATCHED", "dispatched at intake"),
        ])
        db.executemany(DEADLINE, [(wid, "REPLY:WARNING", stamp(now + timedelta(hours=18))),
                                  (wid, "REPLY:ALARM", stamp(now + timedelta(hours=24)))])
        db.executemany(EVENT, [
            (str(uuid.uuid4()), wid, 1, "WorkOrderCreateEvent",
             json.dumps({"workOrderId": wid, "state": "ACCEPTED"}), at),
            (str(uuid.uuid4()), wid, 2, "WorkOrderStateChangeEvent",
             json.dumps({"workOrderId": wid, "state": "DISPATCHED"}), at)])
        db.execute("INSERT INTO workflow_processed_messages (message_id, outcome, recorded_at) VALUES (?, ?, ?)",
                   (f"workflow:{mid}", f"created {wid}", at))
        dispatch = DISPATCH.replace("hub-1a2b3c4d5e6f7081", uuid.uuid4().hex).replace(
            "WO20261123A7K2M9Q1", wid).replace("13800138000", msisdn or "")
        publishing.basic_publish(f"{prefix}.commands", dispatch_key, dispatch.encode(), pika.BasicProperties(
            message_id=uuid.uuid4().hex, type="nsp.NetworkComplaintDispatch", content_type="application/xml",
            app_id="HUB", delivery_mode=2), mandatory=True)
        db.execute("COMMIT")
        if properties.reply_to:
            answer = ANSWER.format(wo=WO, c=C, mid=mid, now=now.isoformat(), wid=wid).encode()
            publishing.basic_publish("", properties.reply_to, answer, pika.BasicProperties(
                correlation_id=properties.correlation_id, content_type="application/xml"))
        channel.basic_ack(method.delivery_tag)

    consuming.basic_consume(f"{prefix}.workflow", handle)

    def wait_for_eof() -> None:
        sys.stdin.read()
        connection.add_callback_threadsafe(consuming.stop_consuming)

    threading.Thread(target=wait_for_eof, daemon=True).start()
    print("ready", flush=True)
    try:
        consuming.start_consuming()
    finally:
        connection.close()
        db.close()


if __name__ == "__main__":
    main()
