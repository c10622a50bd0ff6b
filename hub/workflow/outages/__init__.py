"""Outage auto-answer (issue 13): NSP's active outage notices answer the complaints they explain at intake, link
the open ones taken before a notice arrived, and send the linked ones the recovery notice when it is cleared (or, when
NSP withdraws the notice as issued in error, hand them back to their owners: ``withdrawal``).

``OutageRule`` (built by ``hub.workflow.runtime.open_runtime`` when ``[workflow] outage_auto_answer``) is the
intake rule, the notice handler's logic and the engine observer keeping answered work orders off the SLA clock;
``load_outage_services`` reads and checks which categories an outage of which service explains. docs/outages.md.
"""

from collections.abc import Iterable

from hub.workflow.outages.arrival import NoticeOutcome
from hub.workflow.outages.matching import ComplaintFacts, best_notice, explains
from hub.workflow.outages.notices import NoticeArrival, StoredNotice, active_notices, get_notice, record_notice
from hub.workflow.outages.rule import OutageRule
from hub.workflow.outages.services import AFFECTED_SERVICES, OutageServices, load_outage_services, parse_outage_services

__all__ = ["AFFECTED_SERVICES", "ComplaintFacts", "NoticeArrival", "NoticeOutcome", "OutageRule", "OutageServices",
           "StoredNotice", "active_notices", "best_notice", "explains", "get_notice", "load_outage_services",
           "outage_rule", "parse_outage_services", "record_notice"]


def outage_rule(rules: Iterable[object]) -> OutageRule | None:
    """The outage rule among a runtime's intake rules (None: the rule is switched off)."""
    return next((rule for rule in rules if isinstance(rule, OutageRule)), None)
