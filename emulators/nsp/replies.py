"""What the network management centre answers a dispatched complaint with, and the NetworkComplaintReply document.

Answers are drawn from a catalogue of typical findings per service (coverage holes, transmission faults, cell
congestion, HLR data out of step with BOSS, terminal problems...), with ``random.Random(f"{seed}:{work order}")``,
so the same seed and work order always get the same answer whatever else happened. About three in four are
resolved. A complaint explained by an active notice is answered with the notice's title and agreed wording
(``Resolved`` false while the fault lasts) and the notice id in ``RelatedNoticeId``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from lxml import etree

from emulators.nsp.notices import NSP_NS, Notice
from emulators.toolkit.xmlcommand import COMMON_NS, add_header, iso, sub

__all__ = ["Reply", "known_fault_reply", "reply_document", "seeded_reply"]

# (cause, action, result, resolved) with {site}, {place}, {area} filled in
_VOICE = (
    ("Transmission fault at base station {site}", "Replaced the faulty transmission board at {site}; cell traffic "
     "back to normal.", "Test calls from {place} succeed; customer informed by phone.", True),
    ("Indoor coverage hole at the fault place", "Drive test and indoor measurement at {place}: signal below "
     "-115 dBm indoors. Added to the indoor distribution plan.", "Not solved yet: customer advised to use "
     "VoLTE/Wi-Fi calling indoors until the indoor system is built.", False),
    ("Cell congestion at peak hours", "Added carrier capacity at {site} and tuned handover parameters.",
     "Call setup success rate back above 99 %; customer confirms calls connect.", True),
    ("Subscriber data out of step between HLR and BOSS", "Re-synchronised the subscriber's HLR data from BOSS.",
     "Customer can call again; no network fault found.", True),
)
_SMS = (
    ("SMS centre congestion after a traffic peak", "Load-balanced SMSC links and cleared the retry backlog.",
     "Messages delivered; customer confirms sending works.", True),
    ("Handset SMS storage full", "Network checks normal; delivery reports show memory-full errors.",
     "Customer cleared the inbox and receives messages again.", True),
)
_DATA = (
    ("APN settings wrong on the terminal", "Network and subscription checked normal; sent the APN configuration "
     "SMS.", "Data works after the customer applied the settings.", True),
    ("Packet gateway software fault in {area}", "Switched traffic to the standby gateway; vendor fix applied.",
     "Data sessions stable again in the area.", True),
    ("Weak 4G/5G coverage at the fault place", "Optimised antenna tilt at {site}; new site planned near {place}.",
     "Partly improved; full coverage after the new site is built.", False),
)
_ROAMING = (
    ("No roaming right in the HLR", "Synchronised HLR with BOSS (roaming right restored).",
     "Customer registered on the visited network and can call.", True),
    ("Registration failure on the visited network", "Raised with the visited operator via the roaming hub.",
     "Visited operator fixed its location-update rejection; customer can call.", True),
)
_BY_FUNCTION = {"SEND_SMS": _SMS, "RECEIVE_SMS": _SMS, "MMS": _SMS, "DATA": _DATA, "ROAMING": _ROAMING}
_HANDLERS = ("Chen Wei", "Li Na", "Zhang Jian", "Wang Fang", "Liu Yang", "Huang Min", "Zhao Lei", "Wu Ting")


@dataclass(frozen=True, slots=True)
class Reply:
    cause: str
    action: str
    result: str
    resolved: bool
    handler: str
    staff_id: str
    department: str
    phone: str
    related_notice: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"cause": self.cause, "action": self.action, "result": self.result, "resolved": self.resolved,
                "related_notice_id": self.related_notice,
                "replied_by": {"name": self.handler, "staff_id": self.staff_id, "department": self.department,
                               "phone": self.phone}}


def _handler(rng: random.Random, area: str) -> dict[str, str]:
    return {"handler": rng.choice(_HANDLERS), "staff_id": f"nmc-{area}-{rng.randrange(1, 200):03d}",
            "department": f"Network operations {area}", "phone": f"{area}-8{rng.randrange(10**6, 10**7)}"}


def seeded_reply(seed: int | str, work_order_id: str, functions: list[str], area: str, place: str) -> Reply:
    rng = random.Random(f"{seed}:{work_order_id}")  # noqa: S311 - test data
    catalogue = next((_BY_FUNCTION[f] for f in functions if f in _BY_FUNCTION), _VOICE)
    cause, action, result, resolved = rng.choice(catalogue)
    values = {"site": f"BTS {area}-{rng.randrange(1, 400):03d}", "place": place[:80], "area": area}
    if rng.random() < 0.1:  # about one in ten answers differs from the catalogue's verdict
        resolved = not resolved
    return Reply(cause.format(**values)[:200], action.format(**values), result.format(**values), resolved,
                 **_handler(rng, area))


def known_fault_reply(seed: int | str, work_order_id: str, notice: Notice, area: str) -> Reply:
    rng = random.Random(f"{seed}:{work_order_id}")  # noqa: S311 - test data
    action = (f"Matched at intake to active notice {notice.notice_id} (revision {notice.revision}); no separate "
              "field visit. The customer is included in the fault-recovery notice.")
    return Reply(notice.title, action, notice.wording, False, related_notice=notice.notice_id,
                 **_handler(rng, area))


def reply_document(
    reply: Reply, *, work_order_id: str, ticket_id: str, message_id: str, correlation_id: str | None, at: float
) -> etree._Element:
    root = etree.Element(f"{{{NSP_NS}}}NetworkComplaintReply", nsmap={"nsp": NSP_NS, "c": COMMON_NS})
    add_header(root, NSP_NS, message_id=message_id, source="NSP", sent_at=at, correlation_id=correlation_id)
    sub(root, NSP_NS, "WorkOrderId", work_order_id)
    sub(root, NSP_NS, "NspTicketId", ticket_id)
    sub(root, NSP_NS, "Cause", reply.cause)
    sub(root, NSP_NS, "Action", reply.action)
    sub(root, NSP_NS, "Result", reply.result)
    sub(root, NSP_NS, "Resolved", reply.resolved)
    if reply.related_notice:
        sub(root, NSP_NS, "RelatedNoticeId", reply.related_notice)
    by = sub(root, NSP_NS, "RepliedBy")
    sub(by, NSP_NS, "Name", reply.handler)
    sub(by, NSP_NS, "StaffId", reply.staff_id)
    sub(by, NSP_NS, "Department", reply.department)
    sub(by, NSP_NS, "Phone", reply.phone)
    sub(by, NSP_NS, "At", iso(at))
    return root
