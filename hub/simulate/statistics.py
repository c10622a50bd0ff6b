"""The hub's own statistics of the simulated day, asked as a manager would: ``workorder.QueryStatistics`` through
the XML ingress for the day's complaints (the hub's maintained counters: totals, shares, SLA per tier, outages).
The report shows them beside the figures the simulator read from the store, so the two can be compared."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lxml import etree

from hub.simulate.desk import NS, HubDesk
from hub.validation.namespaces import COMMON_NS

__all__ = ["HubStatistics", "query_statistics", "statistics_document"]

WO = NS["wo"]
OUTAGE_COUNTS = ("Linked", "AutoAnswered", "Dispatched")  # wo:OutageFigures' xs:nonNegativeInteger elements


@dataclass
class HubStatistics:
    """What QueryStatistics answered (empty with ``error`` set when the hub refused or does not know it)."""

    totals: dict[str, int] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    tier_sla: dict[str, float] = field(default_factory=dict)  # tier -> compliance
    outages: list[dict[str, str | int]] = field(default_factory=list)  # counts as int, the rest as text
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def statistics_document(message_id: str, day: date) -> bytes:
    root = etree.Element(f"{{{WO}}}QueryStatistics", nsmap={"wo": WO, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{WO}}}Header")
    for name, value in (("MessageId", message_id), ("SourceSystem", "CS"),
                        ("SentAt", datetime.now(UTC).isoformat(timespec="seconds"))):
        etree.SubElement(header, f"{{{COMMON_NS}}}{name}").text = value
    days = etree.SubElement(root, f"{{{WO}}}Days")
    etree.SubElement(days, f"{{{WO}}}From").text = day.isoformat()
    etree.SubElement(days, f"{{{WO}}}To").text = day.isoformat()
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def _children(element: etree._Element | None) -> dict[str, str]:
    if element is None:
        return {}
    return {etree.QName(child).localname: child.text or "" for child in element}


def _outage(values: dict[str, str]) -> dict[str, str | int]:
    """An outage's figures with its counts as numbers, as the totals are."""
    return {key: int(value) if key in OUTAGE_COUNTS else value for key, value in values.items()}


def query_statistics(hub_url: str, day: date, message_id: str) -> HubStatistics:
    desk = HubDesk(hub_url)
    try:
        answer = desk.post(statistics_document(message_id, day))
    finally:
        desk.close()
    if not answer.ok or answer.document is None:
        return HubStatistics(error=f"{answer.code}: {answer.text('c:Message')}")
    document = answer.document
    stats = HubStatistics(
        totals={k: int(v) for k, v in _children(document.find("wo:Totals", NS)).items()},
        shares={k: float(v) for k, v in _children(document.find("wo:Shares", NS)).items()})
    for tier in document.iterfind("wo:TierSla", NS):
        values = _children(tier)
        if values.get("Compliance"):
            stats.tier_sla[values["Tier"]] = float(values["Compliance"])
    stats.outages = [_outage(_children(outage)) for outage in document.iterfind("wo:Outage", NS)]
    return stats
