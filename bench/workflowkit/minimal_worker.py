"""The minimal consumer written by hand, as its own process (not run by hand): what any implementation of
*CreateWorkOrder → work order DISPATCHED, NSP told with a confirm* could hope for here.

    python bench/workflowkit/minimal_worker.py URL PREFIX DATABASE CALLERS PREFETCH BATCH

pika's ``BlockingConnection``: one channel consumes ``<PREFIX>.workflow`` (prefetch ``max(PREFETCH, 2 x BATCH)``, as
the hub's worker), one confirm-mode channel publishes. The deliveries waiting are taken ``BATCH`` at a time (the
hub's batch mode); per batch, with the standard library's ``sqlite3`` on the hub's schema (WAL,
``synchronous=FULL``, as the hub's store: one fsync per commit on both sides): ``BEGIN IMMEDIATE``; the message ids
looked up in the processed table (one query); per message the document parsed with lxml and its fields read, the
caller's tier looked up (the JSON file CALLERS of ``workflowkit/callers.py``, what the hub's worker has in its tier
cache), the same three reads as the hub (the caller's open work orders and those of the last 7 days, for the answer;
whether one of the last 7 days, or an open one, was of the same phenomenon, the repeat mark (the bench's
complaints each have a number of their own: none is a repeat the hub would hold back); the active outage notices), the
work-order row (state DISPATCHED, fixed deadlines), the same four history rows (created, accepted, dispatched, the
owner's change), the deadline rows, two outbox events, the NetworkComplaintDispatch (the schema example, ids and
number replaced, not validated) published to the NSP queue, and for a caller with an account manager the
NotifyAccountManager (the schema example, ids, number, tier, category replaced) published to the CRM queue, as the
hub does; the batch's statistics counters (the same rows as the hub's: created, repeat and dispatched, by day, ISO
week and month in Asia/Shanghai, overall, by category, by SP and by the department dispatched to, summed over the
batch) added with one upsert per row; the batch's confirms awaited together; the processed ids inserted; ``COMMIT``;
the answers published to the requests' reply-to, their confirms awaited together; acks. BATCH 1 is a transaction and
two (three with a CRM notice) awaited confirms per message. No hub code. Prints ``ready``; EOF on stdin stops it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import sys
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pika
from lxml import etree

WO, C = "urn:onepoint:workorder:1", "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
DISPATCH = (EXAMPLES / "nsp" / "NetworkComplaintDispatch.valid.xml").read_text(encoding="utf-8")
NOTICE = (EXAMPLES / "crm" / "NotifyAccountManager.valid.xml").read_text(encoding="utf-8")
ANSWER = ('<?xml version="1.0" encoding="UTF-8"?><wo:CreateWorkOrderResponse xmlns:wo="{wo}" xmlns:c="{c}">'
          "<wo:Header><c:MessageId>{mid}-r</c:MessageId><c:CorrelationId>{mid}</c:CorrelationId>"
          "<c:SourceSystem>HUB</c:SourceSystem><c:SentAt>{now}</c:SentAt></wo:Header>"
          "<wo:WorkOrderId>{wid}</wo:WorkOrderId><wo:State>DISPATCHED</wo:State></wo:CreateWorkOrderResponse>")
WORK_ORDER = ("INSERT INTO work_orders (id, channel, msisdn, contact_number, category_code, phenomenon, description,"
              " occurred_at, location, area_code, district, taken_by, tier, priority, state, owner, escalation_level,"
              " created_at, updated_at, first_response_due, reply_due, paused_seconds, dispatch_fields,"
              " invalid_dispatches, version, sla_version, calendar_version, first_responded_at, sp_code)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 'DISPATCHED', 'NETWORK_OPS', 0, ?, ?, ?, ?, 0, ?,"
              " 0, 2, 'bench', 'bench', ?, ?)")
HISTORY = ("INSERT INTO work_order_history (work_order_id, seq, at, actor, system, message_id, kind, action,"
           " from_state, to_state, note) VALUES (?, ?, ?, ?, ?, ?, 'state', ?, ?, ?, ?)")
OWNER_CHANGE = ("INSERT INTO work_order_history (work_order_id, seq, at, actor, system, message_id, kind, field,"
                " old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, 'field', 'owner', ?, ?)")
DEADLINE = "INSERT INTO deadlines (work_order_id, kind, due_at) VALUES (?, ?, ?)"
EVENT = ("INSERT INTO work_order_events (event_id, work_order_id, seq, kind, payload, created_at)"
         " VALUES (?, ?, ?, ?, ?, ?)")
EARLIER = ("SELECT id, state, channel, category_code, created_at FROM work_orders WHERE msisdn = ?"
           " AND (created_at >= ? OR state NOT IN ('CLOSED', 'CANCELLED')) ORDER BY created_at DESC, id DESC LIMIT 20")
REPEATED = ("SELECT id, state, owner FROM work_orders WHERE msisdn = ? AND (created_at >= ? OR state NOT IN"
            " ('CLOSED', 'CANCELLED')) AND created_at <= ? AND ticket_type != 'INCIDENT' AND NOT (state = 'CANCELLED'"
            " AND dispatch_system IS NULL AND dispatch_fields IS NULL) AND substr(category_code, 1, ?) = ? ORDER BY"
            " CASE WHEN state IN ('DISPATCHED', 'IN_PROGRESS', 'PENDING', 'ESCALATED') THEN 0 ELSE 1 END,"
            " created_at DESC, id DESC LIMIT 1")
NOTICES = "SELECT notice_id, revision FROM outage_notices WHERE status = 'ACTIVE' ORDER BY notice_id"
COUNTER = ("INSERT INTO work_order_counters (day, category_code, area_code, tier, channel, sp_code, department,"
           " group_id, measure, count) VALUES (?, ?, ?, '*', '*', ?, ?, '*', ?, ?) ON CONFLICT (day, category_code,"
           " area_code, tier, channel, sp_code, department, group_id, measure) DO UPDATE SET count ="
           " work_order_counters.count + excluded.count")
ZONE = ZoneInfo("Asia/Shanghai")  # the hub's default statistics_timezone


def periods(now: datetime) -> tuple[str, str, str]:
    """The day, ISO week and month a work order created at ``now`` is counted under."""
    day = now.astimezone(ZONE).date()
    year, week, _ = day.isocalendar()
    return day.isoformat(), f"{year}-W{week:02d}", day.isoformat()[:7]


def stamp(moment: datetime) -> str:
    """SQLAlchemy's SQLite text for an aware time in UTC (what the hub's ``UTCDateTime`` stores)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Confirms:
    """Publisher confirms awaited per batch: pika's ``BlockingChannel`` awaits each publish, so this publishes on the
    channel's asynchronous core and lets the connection's event processing collect the acks."""

    def __init__(self, connection: pika.BlockingConnection) -> None:
        self.connection = connection
        self.channel = connection.channel()._impl  # the asynchronous channel under the blocking one
        self.next_tag = 0
        self.unconfirmed: set[int] = set()
        self.nacked = 0
        self.channel.confirm_delivery(self._confirmed)

    def _confirmed(self, frame: Any) -> None:
        method = frame.method
        done = {t for t in self.unconfirmed if t <= method.delivery_tag} if method.multiple else {method.delivery_tag}
        self.unconfirmed -= done
        if isinstance(method, pika.spec.Basic.Nack):
            self.nacked += len(done)
        if not self.unconfirmed:  # a timer is an event the blocking layer returns for (a confirm is not)
            self.connection.call_later(0, _nothing)

    def publish(self, exchange: str, key: str, body: bytes, properties: pika.BasicProperties,
                mandatory: bool = False) -> None:
        self.channel.basic_publish(exchange, key, body, properties, mandatory)
        self.next_tag += 1
        self.unconfirmed.add(self.next_tag)

    def wait(self) -> None:
        while self.unconfirmed:
            self.connection.process_data_events(time_limit=1)
        if self.nacked:
            raise RuntimeError(f"{self.nacked} publishes nacked")


def _nothing() -> None:
    return None


def main() -> None:
    url, prefix, database, callers, prefetch, max_batch = sys.argv[1:7]
    batch_size = int(max_batch)
    tiers = {c["msisdn"]: (c["tier"], c["account_manager_id"])
             for c in json.loads(Path(callers).read_text(encoding="utf-8"))}
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000", "cache_size=-65536",
                   "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    consuming = connection.channel()
    confirms = Confirms(connection)
    consuming.basic_qos(prefetch_count=max(int(prefetch), 2 * batch_size))
    dispatch_key, notice_key = "nsp.nsp.NetworkComplaintDispatch", "crm.crm.NotifyAccountManager"
    waiting: list[tuple[Any, pika.BasicProperties, bytes]] = []
    stop = threading.Event()

    def create(mid: str, body: bytes, now: datetime, counts: Counter[tuple[str, str, str, str, str, str]]) -> str:
        """The work order's rows, and its dispatch published (confirm awaited with the batch's); its statistics
        counted into ``counts`` (day, category, area, sp, measure)."""
        doc = etree.fromstring(body)
        text = doc.findtext
        at = stamp(now)
        wid = "WO" + now.strftime("%Y%m%d") + "".join(secrets.choice(ALPHABET) for _ in range(8))
        msisdn, taken_by = text("wo:Msisdn", namespaces=NS) or "", text("wo:TakenBy", namespaces=NS)
        category = text("wo:CategoryCode", namespaces=NS) or ""
        area, sp_code = text("wo:Area/c:AreaCode", namespaces=NS) or "", text("wo:SpCode", namespaces=NS)
        tier, manager = tiers.get(msisdn, ("OTHER_BRAND", None))
        since = stamp(now - timedelta(days=7))
        db.execute(EARLIER, (msisdn, since)).fetchall()
        repeat = db.execute(REPEATED, (msisdn, since, at, len(category[:8]), category[:8])).fetchone() is not None
        db.execute(NOTICES).fetchall()
        fields = {e.get("name"): e.text for e in doc.iterfind("wo:Field", NS)}
        db.execute(WORK_ORDER, (
            wid, text("wo:Channel", namespaces=NS), msisdn, text("wo:ContactNumber", namespaces=NS),
            category, text("wo:Phenomenon", namespaces=NS),
            text("wo:Description", namespaces=NS), stamp(datetime.fromisoformat(text("wo:OccurredAt", namespaces=NS))),
            text("wo:Location", namespaces=NS), area,
            text("wo:Area/c:District", namespaces=NS), taken_by, tier, at, at,
            stamp(now + timedelta(hours=2)), stamp(now + timedelta(hours=24)), json.dumps(fields, sort_keys=True), at,
            sp_code))
        db.executemany(HISTORY, [
            (wid, 1, at, taken_by, "CS", mid, "CREATE", None, "NEW", "HOTLINE complaint"),
            (wid, 2, at, "hub", "HUB", mid, "ACCEPT", "NEW", "ACCEPTED", f"tier {tier}"),
            (wid, 3, at, taken_by, "CS", mid, "DISPATCH", "ACCEPTED", "DISPATCHED", "dispatched at intake"),
        ])
        db.execute(OWNER_CHANGE, (wid, 4, at, taken_by, "CS", mid, "CUSTOMER_SERVICE", "NETWORK_OPS"))
        for period in periods(now):
            counts[(period, "*", area, "*", "*", "created")] += 1
            counts[(period, category, area, "*", "*", "created")] += 1
            if sp_code:
                counts[(period, "*", area, sp_code, "*", "created")] += 1
            if repeat:
                counts[(period, "*", area, "*", "*", "repeat")] += 1
            counts[(period, "*", area, "*", "*", "dispatched")] += 1
            counts[(period, "*", area, "*", "NETWORK_OPS", "dispatched")] += 1  # the department grain
        db.executemany(DEADLINE, [(wid, "REPLY:WARNING", stamp(now + timedelta(hours=18))),
                                  (wid, "REPLY:ALARM", stamp(now + timedelta(hours=24)))])
        db.executemany(EVENT, [
            (str(uuid.uuid4()), wid, 1, "WorkOrderCreateEvent",
             json.dumps({"workOrderId": wid, "state": "ACCEPTED"}), at),
            (str(uuid.uuid4()), wid, 2, "WorkOrderStateChangeEvent",
             json.dumps({"workOrderId": wid, "state": "DISPATCHED"}), at)])
        dispatch = DISPATCH.replace("hub-1a2b3c4d5e6f7081", uuid.uuid4().hex).replace(
            "WO20261123A7K2M9Q1", wid).replace("13800138000", msisdn)
        confirms.publish(f"{prefix}.commands", dispatch_key, dispatch.encode(), pika.BasicProperties(
            message_id=uuid.uuid4().hex, type="nsp.NetworkComplaintDispatch", content_type="application/xml",
            app_id="HUB", delivery_mode=2), mandatory=True)
        if manager:
            notice = NOTICE.replace("hub-c2e8f1a07b6d4391", uuid.uuid4().hex).replace("am-0755-0042", manager).replace(
                "WO20261123A7K2M9Q1", wid).replace("13800138000", msisdn).replace("VIP_GOLD", tier).replace(
                "01.02.03", category)
            confirms.publish(f"{prefix}.commands", notice_key, notice.encode(), pika.BasicProperties(
                message_id=uuid.uuid4().hex, type="crm.NotifyAccountManager", content_type="application/xml",
                app_id="HUB", delivery_mode=2), mandatory=True)
        return wid

    def handle(batch: list[tuple[Any, pika.BasicProperties, bytes]]) -> None:
        """One transaction for the batch: the processed ids looked up at once, each work order created, the
        dispatches' confirms awaited, the processed ids inserted, COMMIT; the answers, their confirms; acks."""
        ids = [f"workflow:{properties.message_id}" for _, properties, _ in batch]
        db.execute("BEGIN IMMEDIATE")
        marks = ",".join("?" * len(ids))
        seen = {row[0] for row in db.execute(
            f"SELECT message_id FROM workflow_processed_messages WHERE message_id IN ({marks})", ids)}  # noqa: S608
        now = datetime.now(UTC)
        created: list[tuple[pika.BasicProperties, str]] = []
        counts: Counter[tuple[str, str, str, str, str, str]] = Counter()
        for (_, properties, body), key in zip(batch, ids, strict=True):
            if key not in seen:
                seen.add(key)
                created.append((properties, create(properties.message_id, body, now, counts)))
        db.executemany(COUNTER, [(*k, n) for k, n in counts.items()])
        confirms.wait()
        db.executemany("INSERT INTO workflow_processed_messages (message_id, outcome, recorded_at) VALUES (?, ?, ?)",
                       [(f"workflow:{p.message_id}", f"created {wid}", stamp(now)) for p, wid in created])
        db.execute("COMMIT")
        for properties, wid in created:
            if properties.reply_to:
                answer = ANSWER.format(wo=WO, c=C, mid=properties.message_id, now=now.isoformat(), wid=wid).encode()
                confirms.publish("", properties.reply_to, answer, pika.BasicProperties(
                    correlation_id=properties.correlation_id, content_type="application/xml"))
        confirms.wait()
        for method, _, _ in batch:
            consuming.basic_ack(method.delivery_tag)

    def receive(channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        waiting.append((method, properties, body))

    consuming.basic_consume(f"{prefix}.workflow", receive)

    def wait_for_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    print("ready", flush=True)
    try:
        while not stop.is_set():
            connection.process_data_events(time_limit=0.2)
            while waiting:
                batch = waiting[:batch_size]
                del waiting[:batch_size]
                handle(batch)
    finally:
        connection.close()
        db.close()


if __name__ == "__main__":
    main()
