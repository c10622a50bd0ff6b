"""The customer's tier for a new work order: asked of BOSS (``boss.QueryCustomerTier`` through the outbound path, so
through the BOSS adapter), kept in a bounded TTL cache per process.

BOSS answers the highest identity (``EffectiveTier``), the account manager and each identity: the group customer
the customer belongs to is kept whatever tier won (``group``, ``hub.workflow.group_membership``; memberships whose
``ValidUntil`` passed before the operator's day, in ``zone``, are over). A number BOSS does not know is
another network's caller (``OTHER_BRAND``). When BOSS cannot answer in time (``timeout``, 3 s by default, not the
route's 10 s) the work order is not held up: it is created with ordinary time limits (``TierFacts.known`` False,
said in its history) — the hotline cannot keep a customer waiting on a back-office outage. After BOSS gave no
answer (no reply in time, the request not sent, BOSS's side saying BOSS is unavailable) the lookups pause for
``pause`` seconds: new work orders take ordinary limits at once instead of each waiting the timeout (the
workflow's transaction waits with them), then BOSS is asked again. BOSS's side refusing one number's lookup (an
error answer: the request dead-lettered, or ``boss-refused``, BOSS's Client fault for that customer's record such
as ``Client.AccountFrozen``) is an answer, not an outage: that work order takes ordinary limits, its tier unknown
(not OTHER_BRAND: BOSS knows the number; no pause: BOSS answered), and the next ones are asked as usual. The tier
recheck asks again later for the other errors, never for ``boss-refused`` (``tier_recheck``).

The tier recheck's question (``ask``) waits the route's ``reply_timeout`` (``boss.*``: 10 s), not ``timeout``: no
caller is on the line then, and a BOSS slower than the intake's bound but answering within the adapter's read
timeout must still give the work order its tier.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from cachetools import TTLCache
from lxml import etree

from hub.envelope import HUB_SYSTEM
from hub.gateways.documents import timestamp
from hub.observability import mask_msisdn
from hub.routing.outbound import OutboundError, Sender
from hub.workers.caller_wait import SYSTEM_UNAVAILABLE
from hub.workflow.group_membership import NO_GROUP_COLUMNS, GroupMembership, group_membership
from hub.workflow.sla import GROUP_TIERS, VIP_TIERS

__all__ = ["GROUP_TIERS", "VIP_TIERS", "NoTier", "TierFacts", "TierLookup", "tier_query_document"]

BOSS = "urn:onepoint:boss:1"
C = "urn:onepoint:common:1"
ERROR = f"{{{C}}}Error"
UNKNOWN_NUMBER_TIER = "OTHER_BRAND"
SUBSCRIBER_NOT_FOUND = "subscriber-not-found"  # the BOSS adapter's answer for a number BOSS does not know
BOSS_REFUSED = "boss-refused"  # the BOSS adapter's answer for a read BOSS refused with a Client fault

log = logging.getLogger("onepoint.workflow")


@dataclass(frozen=True, slots=True)
class TierFacts:
    msisdn: str
    tier: str | None
    account_manager_id: str | None = None
    account_manager_name: str | None = None
    known: bool = True  # False: BOSS did not answer; ordinary limits apply
    note: str | None = None
    group: GroupMembership | None = None  # the group customer BOSS lists the customer in (of several, the highest)

    @property
    def group_columns(self) -> dict[str, Any]:
        """The work order's ``group_id``, ``group_name`` and ``group_role`` (all None: in no group, or unknown)."""
        return NO_GROUP_COLUMNS if self.group is None else self.group.columns()

    @property
    def has_account_manager(self) -> bool:
        """VIP and group customers' account managers are told of their complaints."""
        return self.account_manager_id is not None and (self.tier in VIP_TIERS or self.tier in GROUP_TIERS)


def tier_query_document(msisdn: str, message_id: str, now: datetime) -> etree._Element:
    root = etree.Element(f"{{{BOSS}}}QueryCustomerTier", nsmap={"boss": BOSS, "c": C})
    header = etree.SubElement(root, f"{{{BOSS}}}Header")
    etree.SubElement(header, f"{{{C}}}MessageId").text = message_id  # replaced by the derived id
    etree.SubElement(header, f"{{{C}}}SourceSystem").text = HUB_SYSTEM
    etree.SubElement(header, f"{{{C}}}SentAt").text = timestamp(now)
    etree.SubElement(root, f"{{{BOSS}}}Msisdn").text = msisdn
    return root


class NoTier(Exception):
    """BOSS's side answered this number, but with no tier: an error other than an unknown number or BOSS being
    unavailable (the request dead-lettered, refused). No tier for this number now; no sign of an outage.
    ``code``: the ``c:Error`` code (``boss-refused``: BOSS itself refused this customer, ``refused_by_boss``)."""

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.code = code

    @property
    def refused_by_boss(self) -> bool:
        """BOSS refused the customer (a Client fault such as Client.AccountFrozen): asking again says the same."""
        return self.code == BOSS_REFUSED


def _facts(msisdn: str, answer: bytes, today: date | None = None) -> TierFacts:
    document = etree.fromstring(answer)
    if document.tag == ERROR:
        code = document.findtext(f"{{{C}}}Code") or "error"
        if code == SYSTEM_UNAVAILABLE:  # BOSS is down (its circuit open): no answer, as a timeout
            raise OutboundError(f"BOSS's side answered {code}: {document.findtext(f'{{{C}}}Message') or ''}")
        if code != SUBSCRIBER_NOT_FOUND:
            said = document.findtext(f"{{{C}}}Message") if code == BOSS_REFUSED else None
            raise NoTier(f"BOSS's side answered {code}" + (f": {said}" if said else ""), code=code)
        return TierFacts(msisdn, UNKNOWN_NUMBER_TIER,
                         note=f"BOSS: {code}; treated as another network's caller ({UNKNOWN_NUMBER_TIER})")
    return TierFacts(
        msisdn,
        document.findtext(f"{{{BOSS}}}EffectiveTier") or UNKNOWN_NUMBER_TIER,
        account_manager_id=document.findtext(f"{{{BOSS}}}AccountManagerId"),
        account_manager_name=document.findtext(f"{{{BOSS}}}AccountManagerName"),
        group=group_membership(document, today),
    )


class TierLookup:
    """``facts(msisdn, outbound, now)``: cached for ``ttl`` seconds (``maxsize`` numbers), else asked of BOSS.
    ``zone``: the operator's, whose day ends a group membership's ``ValidUntil``."""

    def __init__(self, *, ttl: float = 300.0, maxsize: int = 100_000, timeout: float | None = None,
                 pause: float = 0.0, clock: Callable[[], float] = time.monotonic, zone: tzinfo = UTC) -> None:
        self._cache: TTLCache[str, TierFacts] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()
        self.timeout, self.pause, self._clock, self.zone = timeout, pause, clock, zone
        self._paused_until = 0.0
        self.answered_at = 0.0  # on ``clock``: when BOSS last answered a question (0.0: not yet)
        self.asked = 0
        self.unanswered = 0

    def remember(self, facts: TierFacts) -> None:
        with self._lock:
            self._cache[facts.msisdn] = facts

    def cached(self, msisdn: str) -> TierFacts | None:
        with self._lock:
            return self._cache.get(msisdn)

    def facts(self, msisdn: str, outbound: Sender, now: datetime, *, step: str = "tier") -> TierFacts:
        """``step``: the outbound step of the question (one per number when a message asks for several)."""
        found = self.cached(msisdn)
        if found is not None:
            return found
        if self._clock() < self._paused_until:
            self.unanswered += 1
            return TierFacts(msisdn, None, known=False, note="BOSS gave no tier a moment ago, not asked again yet: "
                                                             "ordinary time limits")
        self.asked += 1
        try:
            facts = self._asked(msisdn, outbound, now, step=step, timeout=self.timeout)
        except NoTier as refused:  # an answer about this number: the next work orders are asked as usual
            self.unanswered += 1
            log.warning("BOSS's side refused this number's tier: ordinary time limits", extra={
                "msisdn": mask_msisdn(msisdn), "error": str(refused)})
            return TierFacts(msisdn, None, known=False, note=f"BOSS's side gave no tier for this number ({refused}): "
                                                              "ordinary time limits")
        except (OutboundError, TimeoutError) as exc:
            self.unanswered += 1
            self._paused_until = self._clock() + self.pause
            log.warning("BOSS gave no tier: ordinary time limits", extra={
                "msisdn": mask_msisdn(msisdn), "error": str(exc), "not_asked_for_seconds": self.pause})
            return TierFacts(msisdn, None, known=False, note=f"BOSS gave no tier ({type(exc).__name__}): "
                                                              "ordinary time limits")
        return facts

    @property
    def paused(self) -> bool:
        """BOSS gave no tier less than ``pause`` seconds ago: new work orders do not ask it now."""
        return self._clock() < self._paused_until

    def ask(self, msisdn: str, outbound: Sender, now: datetime) -> TierFacts:
        """Ask BOSS now, leaving the pause of new work orders as it is (the tier recheck's question: its failure
        is no reason to keep new complaints from asking), waiting the route's reply timeout (nobody is on the line:
        see the module); raises ``OutboundError``, ``TimeoutError`` or ``NoTier`` when BOSS gave no tier."""
        self.asked += 1
        return self._asked(msisdn, outbound, now, timeout=None)

    def _asked(self, msisdn: str, outbound: Sender, now: datetime, *, step: str = "tier",
               timeout: float | None) -> TierFacts:
        """BOSS's answer, waited for ``timeout`` seconds (None: the route's reply timeout)."""
        answer = outbound.request(tier_query_document(msisdn, "tier-lookup-00", now), step=step, timeout=timeout)
        facts = _facts(msisdn, answer, now.astimezone(self.zone).date())
        self.answered_at = self._clock()
        self.remember(facts)
        return facts
