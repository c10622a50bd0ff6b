"""A command the hub sent to a system for a work order was dead-lettered, or its replay carried out: the work
order is told (``workorder.DeadLetterNote``, the hub's own command, noted in its history by the workflow).

Why: a dispatch NSP refuses for good, a CRM notice or an OA to-do the system will not take waits in the system's
DLQ for an operator; nothing else would ever tell the work order, whose history would read as if NSP had the
complaint or the manager had the to-do, until its deadline is breached. A handler that raises sends nothing (its
sends are held until it returned), so the note cannot come from the handler: the ``Worker`` sends it once the DLQ
copy is confirmed, and again, as ``DELIVERED_ON_REPLAY``, once a replayed letter was carried out.

Which letters: only the hub's own commands (SourceSystem ``HUB``: what the workflow and the adapters send on a
work order's behalf) whose document names a ``WorkOrderId``, on any consumer but the workflow's own (a note about
the workflow's queue would go to that queue). A caller's request (a QuerySmsLog naming its purpose) is not: its
caller is answered ``dead-lettered`` at once. The letter's reason is not in the note: it may name internal
addresses, and a work order's history is read by callers (QueryWorkOrder); it stays with the letter
(``onepoint dlq show``) and in the log. When the system refused the command in its own words (a SOAP Client
fault, a 4xx with its ``c:Error``: ``Decision.refusal_code``), the note carries that refusal's fixed code
(``RefusalCode``: ``Client.AccountManagerNotFound``, ``invalid-period``), so the history can say the system got
the command and refused it; a code that is not one (words, an address) is carried as ``code-not-shown``. Every
note of a dead letter also carries how far the last call got, when the gateway knew (``FailureClass``:
``hub.workers.failure_classes``): only a connection never made means the system never got the command; a timeout,
an answer the hub could not read or a failure the system answered mean it may hold it (NSP: a ticket).

Best effort, never raising: the dead letter is what is kept. The note's MessageId is derived from the letter's,
the outcome and the replay count, so a copy dead-lettered twice by one delivery (a lost confirm) tells once, and a
letter replayed and dead-lettered again tells again.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from lxml import etree

from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.codec import envelope_from_message
from hub.routing.outbound import Outbound
from hub.transport.message import Message, header_count
from hub.validation.namespaces import COMMON_NS, WORKORDER_NS
from hub.workers import headers as h
from hub.workers.failure_classes import FailureClass

__all__ = ["CODE_NOT_SHOWN", "DEAD_LETTERED", "DELIVERED_ON_REPLAY", "NOTE_COMMAND", "DeadLetterNotes",
           "note_document", "work_order_of"]

NOTE_COMMAND = "workorder.DeadLetterNote"
DEAD_LETTERED = "DEAD_LETTERED"
DELIVERED_ON_REPLAY = "DELIVERED_ON_REPLAY"
WORKFLOW = "workflow"  # its own queue's letters are not noted (the note would go to that queue)
_SHORT = 200  # c:ShortText
CODE_NOT_SHOWN = "code-not-shown"  # a refusal whose code is no code (wo:RefusalCode's pattern)
_REFUSAL_CODE = re.compile(r"HTTP [0-9]{3}|[A-Za-z][A-Za-z0-9._:-]{0,63}")  # wo:RefusalCode
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)

log = logging.getLogger("onepoint.worker")


def work_order_of(envelope: Envelope) -> str | None:
    """The ``WorkOrderId`` a hub's own command names among its elements (any namespace), else None."""
    try:
        root = etree.fromstring(envelope.payload, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname == "WorkOrderId":
            return (child.text or "").strip() or None
    return None


def note_document(work_order_id: str, outcome: str, command: str, consumer: str, letter_id: str,
                  kind: str | None = None, sent_at: datetime | None = None, *,
                  refusal_code: str | None = None, failure_class: FailureClass | None = None) -> etree._Element:
    """The ``wo:DeadLetterNote`` (its MessageId is set by the outbound path, derived from the letter's);
    ``refusal_code``: the system's own code for its refusal of the letter, when it refused it in its own words;
    ``failure_class``: how far its last call got (``hub.workers.failure_classes``), when known."""
    root = etree.Element(f"{{{WORKORDER_NS}}}DeadLetterNote", nsmap={"wo": WORKORDER_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{WORKORDER_NS}}}Header")
    for name, value in (("MessageId", "to-be-derived"), ("SourceSystem", HUB_SYSTEM),
                        ("SentAt", (sent_at or datetime.now(UTC)).isoformat(timespec="seconds"))):
        etree.SubElement(header, f"{{{COMMON_NS}}}{name}").text = value
    fields = [("WorkOrderId", work_order_id), ("Outcome", outcome), ("Command", command[:_SHORT]),
              ("Consumer", consumer[:_SHORT]), ("LetterId", letter_id)]
    if kind:
        fields.append(("Kind", kind[:_SHORT]))
    if refusal_code:
        fields.append(("RefusalCode", refusal_code if _REFUSAL_CODE.fullmatch(refusal_code) else CODE_NOT_SHOWN))
    if failure_class is not None:
        fields.append(("FailureClass", failure_class.value))
    for name, value in fields:
        etree.SubElement(root, f"{{{WORKORDER_NS}}}{name}").text = value
    return root


class DeadLetterNotes:
    """What one ``Worker`` tells work orders of its letters (nothing without an outbound path)."""

    def __init__(self, outbound: Outbound | None, consumer: str) -> None:
        self.outbound = outbound if consumer != WORKFLOW else None
        self.consumer = consumer

    def dead_lettered(self, message: Message, kind: str | None, refusal_code: str | None = None,
                      failure_class: FailureClass | None = None) -> None:
        """``message`` is in the DLQ (its copy confirmed); ``refusal_code``: the system refused it in its own words,
        with that code (``Decision.refusal_code``); ``failure_class``: how far its last call got
        (``Decision.failure_class``)."""
        self._tell(message, DEAD_LETTERED, kind, refusal_code, failure_class)

    def carried_out(self, message: Message) -> None:
        """``message`` was handled (not a duplicate): told only if it was replayed from a DLQ."""
        if (header_count(message.headers.get(h.REPLAYED)) or 0) > 0:
            self._tell(message, DELIVERED_ON_REPLAY, None)

    def _tell(self, message: Message, outcome: str, kind: str | None, refusal_code: str | None = None,
              failure_class: FailureClass | None = None) -> None:
        if self.outbound is None or message.type == NOTE_COMMAND:
            return
        try:
            envelope = envelope_from_message(message)
        except (ValueError, TypeError):
            return  # no envelope (a poison message): nothing names a work order
        if envelope.source_system != HUB_SYSTEM:
            return
        work_order_id = work_order_of(envelope)
        if work_order_id is None:
            return
        replays = header_count(message.headers.get(h.REPLAYED)) or 0
        facts = {"message_id": message.message_id, "consumer": self.consumer, "work_order_id": work_order_id,
                 "outcome": outcome}
        try:
            sent = self.outbound.send(note_document(work_order_id, outcome, envelope.command_type, self.consumer,
                                                   message.message_id, kind, refusal_code=refusal_code,
                                                   failure_class=failure_class),
                                      cause=envelope, step=f"dead-letter-note-{outcome.lower()}-{replays}",
                                      consumer=self.consumer)
        except Exception as exc:  # the letter is kept whatever happens here
            log.error("the work order could not be told of its command's dead letter", extra={
                **facts, "error": repr(exc)})
            return
        log.info("work order told of its command's dead letter", extra={**facts, "sent": sent.message_id})
