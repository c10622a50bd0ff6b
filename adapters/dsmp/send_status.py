"""Whether each record of a DSMP page has a send status (``SubmitResult``) and a delivery status that agree.

``dsmp:SmsLogRecord`` carries both of what an SMS record holds: the send status (CMPP 2.0 Submit_Resp result, 0
accepted) and the receive status (the delivery report's ``Status``). A message refused at submit was never
delivered, so it has no ``Status`` nor ``DoneTime``; one accepted (``SubmitResult`` 0) has its ``Status``; a
record written before the send status existed has no ``SubmitResult`` and still has its ``Status``. The XSD
cannot say "Status unless the submit was refused" (both are optional there, so that old records stay valid):
this check does, and ``adapters.dsmp.client`` refuses a page that breaks it (``page_faults``), nothing of it
passed on. The records themselves are passed on unchanged.
"""

from __future__ import annotations

from lxml import etree

from hub.validation.namespaces import DSMP_NS

__all__ = ["ACCEPTED", "accepted_at_submit", "status_faults"]

ACCEPTED = 0  # Submit_Resp result: the SMS centre accepted the message
_D = f"{{{DSMP_NS}}}"
_RECORD, _RESULT, _STATUS, _DONE = f"{_D}Record", f"{_D}SubmitResult", f"{_D}Status", f"{_D}DoneTime"


def accepted_at_submit(result: str | None) -> bool:
    """Whether a record's ``SubmitResult`` text (XSD-valid: an unsignedByte, so ``0``, ``00`` or ``+0`` for
    accepted) says the SMS centre accepted the message; a record without one (written before it) counts as
    accepted: its delivery status is due."""
    return result is None or int(result) == ACCEPTED


def _disagree(result: str | None, status: bool, done: bool) -> bool:
    if accepted_at_submit(result):  # accepted, or a record of before: its delivery status is due
        return not status
    return status or done  # refused at submit: never delivered


def status_faults(document: etree._Element) -> list[str]:
    """Why the records of the ``QuerySmsLogResponse`` ``document`` do not hold together; empty when they do.

    One pass over the four tags in document order (the XSD-valid answer's fields follow their ``Record``)."""
    odd, seen = 0, False
    result: str | None = None
    status = done = False
    for element in document.iter(_RECORD, _RESULT, _STATUS, _DONE):
        if element.tag == _RECORD:
            if seen and _disagree(result, status, done):
                odd += 1
            seen, result, status, done = True, None, False, False
        elif element.tag == _RESULT:
            result = (element.text or "").strip()
        elif element.tag == _STATUS:
            status = True
        else:
            done = True
    if seen and _disagree(result, status, done):
        odd += 1
    if not odd:
        return []
    return [f"{odd} record(s) whose send status (SubmitResult) and delivery status (Status) disagree: one accepted"
            " at submit, or without a send status, has its Status; one refused at submit has no Status nor DoneTime"]
