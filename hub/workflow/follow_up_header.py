"""The root of a follow-up's document with its header, as every follow-up builder starts one: the hub's system,
the time, and a placeholder MessageId the sending path replaces with the id derived from the cause
(``hub.workflow.follow_up_steps``)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from hub.envelope import HUB_SYSTEM
from hub.gateways.documents import timestamp

__all__ = ["follow_up_root"]

C = "urn:onepoint:common:1"


def follow_up_root(prefix: str, namespace: str, name: str, now: datetime) -> etree._Element:
    """``<prefix:name>`` in ``namespace`` with its ``Header`` (MessageId placeholder, SourceSystem HUB, SentAt)."""
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={prefix: namespace, "c": C})
    header = etree.SubElement(root, f"{{{namespace}}}Header")
    etree.SubElement(header, f"{{{C}}}MessageId").text = "workflow-follow-up"  # replaced by the derived id
    etree.SubElement(header, f"{{{C}}}SourceSystem").text = HUB_SYSTEM
    etree.SubElement(header, f"{{{C}}}SentAt").text = timestamp(now)
    return root
