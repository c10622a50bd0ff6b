"""What the NSP adapter tells the workflow of NSP's answers to the hub's commands: the beginning every such note
shares (``workorder.NspDispatchNote``: ``adapters.nsp.dispatch_notes``; ``workorder.NspWithdrawalNote``:
``adapters.nsp.withdrawal_notes``), a header from the hub (the outbound path sets the MessageId it derives) and the
work order the NSP command concerned.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hub.envelope import HUB_SYSTEM, Envelope
from hub.validation.namespaces import COMMON_NS, NSP_NS, WORKORDER_NS

__all__ = ["note_root"]

_PLACEHOLDER_ID = "hub-placeholder"  # the outbound path sets the derived MessageId


def note_root(name: str, command: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """``wo:<name>`` with its header and the ``WorkOrderId`` of the NSP command ``command``; the note's own elements
    follow."""
    root = etree.Element(f"{{{WORKORDER_NS}}}{name}", nsmap={"wo": WORKORDER_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{WORKORDER_NS}}}Header")
    for element, value in (("MessageId", _PLACEHOLDER_ID), ("SourceSystem", HUB_SYSTEM),
                           ("SentAt", (sent_at or datetime.now(UTC)).isoformat(timespec="seconds"))):
        etree.SubElement(header, f"{{{COMMON_NS}}}{element}").text = value
    work_order_id = etree.fromstring(command.payload).findtext(f"{{{NSP_NS}}}WorkOrderId") or ""
    etree.SubElement(root, f"{{{WORKORDER_NS}}}WorkOrderId").text = work_order_id
    return root
