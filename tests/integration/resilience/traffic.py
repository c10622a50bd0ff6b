"""The messages the resilience test sends (every flow, N of each) and what it counts afterwards: every message
in, its effect out at its system, repeats the systems absorbed, answers the callers never got."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.transport import Broker, Message
from hub.transport.topology import routing_key
from tests.unit.adapters.soap_kit import example

__all__ = ["BOSS", "CALLER_TIMEOUT", "DSMP", "PATIENT_CALLER_TIMEOUT", "C", "Request", "Traffic", "systems_saw"]

BOSS, C, DSMP = "urn:onepoint:boss:1", "urn:onepoint:common:1", "urn:onepoint:dsmp:1"
CALLER_TIMEOUT = 4.0  # seconds a caller waits for an answer (shorter than the outage and its recovery)
PATIENT_CALLER_TIMEOUT = 15.0  # an operator waiting for an HLR repair outwaits the outage
_MESSAGE_ID = re.compile(rb"MessageId>([^<]+)<")  # in the examples: <c:MessageId>...</c:MessageId>
_SENT_MESSAGE_ID = re.compile(rb"MessageId(?:\s[^>]*)?>([^<]+)<")  # as sent by zeep: <ns1:MessageId xmlns:ns1=..>


@dataclass
class Request:
    """A request in flight; ``answer`` once resolved (None: the caller gave up waiting)."""

    envelope: Envelope
    consumer: str
    future: Future[Message]
    key: str  # what it is about (an MSISDN, a query)
    timeout: float
    answer: etree._Element | None = None
    timed_out: bool = False

    def resolve(self) -> None:
        try:
            self.answer = etree.fromstring(self.future.result(self.timeout + 5).body)
        except Exception:  # RequestTimeoutError: the work is not lost, its answer is wasted
            self.timed_out = True


@dataclass
class Traffic:
    """Sends through the broker as the ingress does (requests with a reply-to, commands fire-and-forget)."""

    broker: Broker
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    requests: dict[str, list[Request]] = field(default_factory=dict)  # command type → requests
    commands: dict[str, list[Envelope]] = field(default_factory=dict)  # command type → commands

    def _envelope(self, command_type: str, document: bytes, n: int) -> Envelope:
        """As the ingress makes it: the envelope's id is the document's Header/MessageId (stamped here), the caller
        it authenticated in header ``caller`` (CS's, ``cs-frontend``: the one the DSMP adapter's built-in
        ``operator_roles`` let name a back-office operator)."""
        message_id = f"rs-{self.run}-{command_type.split('.')[1][:8].lower()}-{n:03d}"
        stamped = _MESSAGE_ID.sub(b"MessageId>" + message_id.encode() + b"<", document, count=1)
        return Envelope(message_id, command_type, "CS", stamped, headers={"caller": "cs-frontend"})

    def ask(self, consumer: str, command_type: str, document: bytes, key: str,
            timeout: float = CALLER_TIMEOUT) -> Request:
        sent = self._envelope(command_type, document, len(self.requests.get(command_type, [])))
        message = message_from_envelope(sent, routing_key(consumer, command_type), for_request=True)
        future = self.broker.request(self.broker.config.commands_exchange, message, timeout=timeout)
        request = Request(sent, consumer, future, key, timeout)
        self.requests.setdefault(command_type, []).append(request)
        return request

    def publish(self, consumer: str, command_type: str, document: bytes) -> Envelope:
        sent = self._envelope(command_type, document, len(self.commands.get(command_type, [])))
        message = message_from_envelope(sent, routing_key(consumer, command_type))
        self.broker.publish(self.broker.config.commands_exchange, message).result(20)
        self.commands.setdefault(command_type, []).append(sent)
        return sent

    def ids(self, command_type: str) -> list[str]:
        return [e.message_id for e in self.commands.get(command_type, [])] + [
            r.envelope.message_id for r in self.requests.get(command_type, [])]

    @property
    def messages_in(self) -> int:
        return sum(len(v) for v in self.commands.values()) + sum(len(v) for v in self.requests.values())


def systems_saw(handle: Any, operation: str) -> Counter[str]:
    """How many calls of ``operation`` the system answered successfully, per MessageId (from its journal):
    more than one is a repeat the hub made after losing an answer (a read timeout), absorbed (or not) there."""
    seen: Counter[str] = Counter()
    for entry in handle.app.journal.snapshot():
        if entry.operation == operation and entry.status == 200:
            found = _SENT_MESSAGE_ID.search(entry.request_body)
            if found:
                seen[found.group(1).decode()] += 1
    return seen


def tier_query(msisdn: str) -> bytes:
    return example("boss/QueryCustomerTier.valid.xml").replace(b"13800138000", msisdn.encode())


def sync_request(msisdn: str) -> bytes:
    return example("boss/SyncHLR.valid.xml").replace(b"13800138000", msisdn.encode())


SMS_LOG_WORK_ORDER = ("WO20261123SMS00042", "13501105566")  # the example QuerySmsLog's purpose and subscriber


def sms_log_purpose(database_url: str, window: dict[str, str]) -> None:
    """The work order the example QuerySmsLog names, a complaint of its subscriber whose trouble began at the end
    of DSMP's ``window``, in the hub's work-order store (the DSMP adapter refuses a query whose work order the hub
    does not have, is another customer's, or whose period lies outside the complaint's)."""
    from tests.support.workorder_store import store_complaint

    store_complaint(database_url, *SMS_LOG_WORK_ORDER, occurred_at=datetime.fromisoformat(window["to"]))


def sms_log_query(window: dict[str, str]) -> bytes:
    return (example("dsmp/QuerySmsLog.valid.xml")
            .replace(b"2026-11-20T00:00:00+08:00", window["from"].encode())
            .replace(b"2026-11-22T23:59:59+08:00", window["to"].encode()))


def push(kind: str, item_id: str) -> bytes:
    document = example(f"oa/{kind}.valid.xml")
    return re.sub(rb"<oa:ItemId>[^<]+</oa:ItemId>", b"<oa:ItemId>" + item_id.encode() + b"</oa:ItemId>", document)


def notify_request(account_manager_id: str, msisdn: str) -> bytes:
    return (example("crm/NotifyAccountManager.valid.xml").replace(b"am-0755-0042", account_manager_id.encode())
            .replace(b"13800138000", msisdn.encode()))


def dispatch() -> bytes:
    return example("nsp/NetworkComplaintDispatch.valid.xml")
