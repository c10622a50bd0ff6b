"""The workflow's verdict on NSP's NetworkComplaintReply, as NSP is answered it (the route is a request:
``hub/routing/default_routes.toml``; the XML ingress passes the answer on, docs/lifecycle.md).

* Taken (recorded on the work order, which moves on; or noted on a work order the hub cancelled and withdrew while
  NSP answered): ``nsp:NetworkComplaintReplyResponse`` whose Ack is ``COMPLETED`` (200). Its resend under the same
  MessageId is answered the same recorded document, never applied twice.
* Refused (nothing written): the ``c:Error`` naming the code and, in its ``Violation``'s ``Path``, the field of
  the reply at fault (``REFUSED_FIELDS``; 422 at the ingress), so that NSP's code can tell which of its values
  was refused: ``unknown-work-order``, ``callback-not-expected``, ``not-dispatched-to-nsp`` and
  ``wrong-work-order`` name ``WorkOrderId``; ``wrong-ticket`` names ``NspTicketId``; ``stale-reply`` names the
  Header's ``CorrelationId`` (an earlier dispatch's MessageId); what the lifecycle refuses names ``WorkOrderId``.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from hub.envelope import Envelope
from hub.validation.namespaces import NSP_NS
from hub.validation.violations import Violation
from hub.workers import BusinessRejection
from hub.workflow.answers import acknowledged_answer
from hub.workflow.engine import WorkOrderRefused

__all__ = ["REFUSED_FIELDS", "reply_refusal", "reply_taken"]

_REPLY = "/nsp:NetworkComplaintReply"
WORK_ORDER_ID = f"{_REPLY}/nsp:WorkOrderId"
#: the field of the reply each refusal is about (any other code: WorkOrderId, the work order that refused it)
REFUSED_FIELDS = {
    "unknown-work-order": WORK_ORDER_ID,
    "callback-not-expected": WORK_ORDER_ID,
    "not-dispatched-to-nsp": WORK_ORDER_ID,
    "wrong-work-order": WORK_ORDER_ID,
    "wrong-ticket": f"{_REPLY}/nsp:NspTicketId",
    "stale-reply": f"{_REPLY}/nsp:Header/c:CorrelationId",
}


def reply_taken(envelope: Envelope, now: datetime) -> etree._Element:
    """NSP's reply ``envelope`` taken: its ``NetworkComplaintReplyResponse`` (Ack COMPLETED, received ``now``)."""
    return acknowledged_answer("NetworkComplaintReplyResponse", envelope, now, namespace=NSP_NS, prefix="nsp")


def reply_refusal(refused: WorkOrderRefused) -> BusinessRejection:
    """The workflow's refusal of NSP's reply as its answer: the code, the reason, the field at fault."""
    path = REFUSED_FIELDS.get(refused.code, WORK_ORDER_ID)
    return BusinessRejection(f"{refused.code}: {refused}", code=refused.code,
                             violations=(Violation(None, path, str(refused)),))
