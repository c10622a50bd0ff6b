"""``GET /workorders/{id}``: where the links in OA's to-do and to-read items lead (``[workflow] link``).

The work order with its whole history, as ``QueryWorkOrder`` answers it: the request is built from the link and
taken through the same acceptance path as a ``POST /xml/workorder`` of the caller (HTTP Basic or a bearer token;
the authorization table must let it send ``workorder.QueryWorkOrder``), so it is routed to the workflow, answered
and refused exactly as that command is (401, 403, 404 for an unknown work order, 504). The answer is the
``QueryWorkOrderResponse`` document (``application/xml``).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from hub.ingress.outcomes import BAD_REPLY, Refusal, noted, refusal_for
from hub.ingress.refusals import error_document
from hub.ingress.xml.endpoint import XmlIngress, error_response
from hub.security.throttle import SignInThrottled
from hub.validation.namespaces import COMMON_NS

__all__ = ["WorkOrderLink"]

WO = "urn:onepoint:workorder:1"
WORK_ORDER_ID = re.compile(r"WO[0-9]{8}[0-9A-Z]{8}")
UNKNOWN_WORK_ORDER = "unknown-work-order"
SHOWN = 40  # characters of a malformed id echoed back (a link is 18; a 5,000-character one is cut, its length named)


def query_document(work_order_id: str, source_system: str) -> bytes:
    root = etree.Element(f"{{{WO}}}QueryWorkOrder", nsmap={"wo": WO, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{WO}}}Header")
    etree.SubElement(header, f"{{{COMMON_NS}}}MessageId").text = f"link-{uuid.uuid4().hex}"
    etree.SubElement(header, f"{{{COMMON_NS}}}SourceSystem").text = source_system
    etree.SubElement(header, f"{{{COMMON_NS}}}SentAt").text = datetime.now(UTC).isoformat(timespec="seconds")
    etree.SubElement(root, f"{{{WO}}}WorkOrderId").text = work_order_id
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


class WorkOrderLink:
    def __init__(self, xml: XmlIngress) -> None:
        self.xml = xml

    async def endpoint(self, request: Request) -> Response:
        work_order_id = request.path_params["work_order_id"]
        if not WORK_ORDER_ID.fullmatch(work_order_id):
            shown = repr(work_order_id) if len(work_order_id) <= SHOWN else (
                f"{work_order_id[:SHOWN]!r}... ({len(work_order_id)} characters)")
            return error_document(404, UNKNOWN_WORK_ORDER, f"{shown} is not a work order id "
                                                           "(WO, the day's date, eight letters or digits)")
        try:
            caller = await self.xml.authenticate(request)
            admitted = await self.xml.admit(query_document(work_order_id, caller.system), "workorder", caller)
            ack = await self.xml.acceptance.accept(admitted.envelope)
            if ack.reply is None:  # a request is always answered; this is a routing table without its reply
                return error_response(noted(request, Refusal(502, "no-answer", "the workflow did not answer the query",
                                                             answer=BAD_REPLY)))
            return Response(self.xml.acceptance.pass_on(admitted, ack), media_type="application/xml")
        except Exception as exc:  # every failure is a refusal, as on the XML ingress
            refusal = noted(request, refusal_for(exc, system="workorder"))
            if isinstance(exc, SignInThrottled):
                await self.xml.throttle.hold()
            if refusal.code == UNKNOWN_WORK_ORDER:
                return Response(refusal.document or b"", status_code=404, media_type="application/xml")
            return error_response(refusal)
