"""A work order's item OA refused for good: the workflow is told (``oa:TodoRefused``, the hub's own command).

OA answering a push with a 4xx (``SystemRefused``: a user it does not know, a document it will not take) is final:
asking again cannot help. For a push of a work order's item (the document names its ``WorkOrderId``: an escalation
to-do, a department's dispatch to-do, an owner's reminder) nothing else would ever tell the work order, which
would wait for a to-do no manager has. So the handler sends ``oa.TodoRefused`` (item, user, work order, OA's code
and reason) through its ``outbound`` to the workflow, which notes it in the work order's history
(``hub.workflow.refused_todos``), and the push is settled with that outcome (the log's ERROR line names OA's
refusal). It is not dead-lettered too: a handler that raised sends nothing (its sends are held until it returned,
``hub.workers.attempts``), so telling the workflow and dead-lettering cannot both come from one run. The command's
MessageId is derived from the push's (step ``refused``): a push handled again tells the workflow once.

A push naming no work order (an outage notice's to-read), or a routing table with no route for ``oa.TodoRefused``,
is dead-lettered with OA's refusal as before.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from lxml import etree

from hub.envelope import HUB_SYSTEM
from hub.gateways import SystemRefused, timestamp
from hub.routing.table import NoRouteError
from hub.validation.namespaces import COMMON_NS, OA_NS
from hub.workers import Sender

__all__ = ["REFUSED_STEP", "refusal_document", "tell_workflow"]

REFUSED_STEP = "refused"
_SHORT = 200  # c:ShortText
log = logging.getLogger("onepoint.adapters.oa")


def refusal_document(push: etree._Element, refused: SystemRefused, sent_at: datetime | None = None) -> etree._Element:
    """The ``oa:TodoRefused`` of the push ``push`` OA refused with ``refused`` (the MessageId is the Sender's)."""
    root = etree.Element(f"{{{OA_NS}}}TodoRefused", nsmap={"oa": OA_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{OA_NS}}}Header")
    for name, value in (("MessageId", "to-be-derived"), ("SourceSystem", HUB_SYSTEM),
                        ("SentAt", timestamp(sent_at or datetime.now(UTC)))):
        etree.SubElement(header, f"{{{COMMON_NS}}}{name}").text = value
    for name in ("ItemId", "UserId", "WorkOrderId"):
        etree.SubElement(root, f"{{{OA_NS}}}{name}").text = push.findtext(f"{{{OA_NS}}}{name}") or ""
    etree.SubElement(root, f"{{{OA_NS}}}Command").text = etree.QName(push).localname
    etree.SubElement(root, f"{{{OA_NS}}}Code").text = (refused.error_code or refused.code or "refused")[:_SHORT]
    etree.SubElement(root, f"{{{OA_NS}}}Reason").text = (refused.detail or str(refused))[:_SHORT]
    return root


def tell_workflow(push: etree._Element, refused: SystemRefused, outbound: Sender, message_id: str) -> str:
    """Tell the workflow OA refused ``push`` for good and return the push's outcome; re-raises ``refused`` (the
    push dead-lettered) when the push names no work order or no route takes the command."""
    work_order_id = push.findtext(f"{{{OA_NS}}}WorkOrderId")
    item_id = push.findtext(f"{{{OA_NS}}}ItemId") or ""
    if not work_order_id:
        raise refused
    facts = {"message_id": message_id, "item_id": item_id, "work_order_id": work_order_id,
             "code": refused.error_code or refused.code, "reason": refused.detail}
    try:
        sent = outbound.send(refusal_document(push, refused), step=REFUSED_STEP)
    except NoRouteError as exc:
        log.error("%s: no route takes oa.TodoRefused, work order %s not told; the push is dead-lettered", refused,
                  work_order_id, extra={**facts, "error": str(exc)})
        raise refused from exc
    log.error("%s: work order %s told (oa.TodoRefused), the push not dead-lettered", refused, work_order_id,
              extra={**facts, "sent": sent.message_id})
    return (f"{etree.QName(push).localname} {item_id} refused by OA ({refused.code}: {refused.detail}); "
            f"work order {work_order_id} told ({sent.message_id})")
