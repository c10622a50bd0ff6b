"""An answer acknowledges the message its call sent: BOSS, CRM, NSP, DSMP and OA echo the hub's ``Header/MessageId``
in their answer's ``Ack`` (``hub.gateways.documents``; an XML system's ``c:Error`` may carry it too). An answer that
acknowledges another one is not this call's but one left on a keep-alive connection (a system that wrote an answer
twice, another call's): ``StrayAnswer``, transient, so the call is retried on a fresh connection (the gateways
close the one it came on). Refused as permanent, the next innocent message would be dead-lettered.
"""

from __future__ import annotations

from lxml import etree

from hub.gateways.documents import shortened
from hub.gateways.failures import SystemUnavailable
from hub.validation.namespaces import COMMON_NS

__all__ = ["StrayAnswer", "acknowledged_id", "check_echo"]


class StrayAnswer(SystemUnavailable):
    """An answer acknowledging another message than the call sent: not this call's (left on the connection)."""


def acknowledged_id(answer: etree._Element) -> str | None:
    """The ``MessageId`` an answer acknowledges: its ``Ack/MessageId``, or a ``c:Error``'s own ``MessageId``;
    None when it names none."""
    namespace = etree.QName(answer).namespace
    found = answer.findtext(f"{{{namespace}}}Ack/{{{COMMON_NS}}}MessageId")
    if found is None and answer.tag == f"{{{COMMON_NS}}}Error":
        found = answer.findtext(f"{{{COMMON_NS}}}MessageId")
    return None if found is None else found.strip()


def check_echo(system: str, operation: str, answer: etree._Element, message_id: str | None) -> None:
    """``StrayAnswer`` when ``answer`` acknowledges another MessageId than ``message_id`` (None: not checked; an
    answer naming none is left to its XSD, which requires an Ack of every response)."""
    echoed = acknowledged_id(answer)
    if message_id is not None and echoed is not None and echoed != message_id:
        raise StrayAnswer(system, operation, f"a stray answer: it acknowledges MessageId {shortened(echoed, 80)}, "
                          f"not {message_id} (this call's)")
