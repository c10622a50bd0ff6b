"""The BOSS adapter's handlers (queue ``boss``): each request answered with BOSS's ``<Command>Response``.

* ``boss.QueryCustomerTier``: the customer's tier from BOSS (repeats within the route's ``cache_ttl`` are
  answered by the ingress's reply cache and never reach this queue). The highest identity wins: when BOSS's
  ``EffectiveTier`` is not the highest of the identities still valid (``ValidUntil``, a date of the operator's
  calendar, not passed on the operator's day the request was received: ``[workflow] statistics_timezone``), the
  answer says the highest one and its priority (logged as a warning), so the caller, the reply cache and the
  workflow's tier cache all get it, with that tier's published answer target (``hub.customer_tiers``) in place of
  BOSS's, which was the target of the tier BOSS named. Each identity counts at the highest of its ``Tier``, its VIP
  card level's tier and, for a group's key person, GROUP_KEY_PERSON (``mapping.identity_tier``); an identity of a
  tier code the hub does not know was skipped before (``adapters.boss.unknown_codes``);
* ``boss.QuerySubscriber``: the subscriber record;
* ``boss.SyncHLR``: BOSS repairs the HLR; the diff (``Change`` per field) goes back to the caller. BOSS is called
  as the hub (user ``hub``, SourceSystem ``HUB``), so each sync answered is logged here (INFO ``HLR repair asked of
  BOSS``): the signed-in caller (the ingress's ``caller`` header) and its system, the agent's ``Operator``, the
  number (masked), the ``WorkOrderId`` if given (only logged: the work order's history is not written) and each
  field BOSS changed (``FIELD: HLR value → BOSS value``) or ``nothing to repair``.

An unknown subscriber is answered with ``c:Error`` code ``subscriber-not-found``; a read BOSS refuses with another
Client fault (``Client.AccountFrozen``) with ``boss-refused`` (``adapters.boss.client``), not dead-lettered. The two
reads are not asked of BOSS for a caller that stopped waiting (the ingress's reply-by passed,
``hub.workers.caller_wait``: typically a lookup held back while BOSS's circuit was open, whose caller was told at
once BOSS is unavailable): answered ``c:Error`` ``caller-stopped-waiting`` to nobody, so a BOSS coming back is not
sent the outage's abandoned lookups. They are registered ``reads``: a resend with the same MessageId is asked of
BOSS afresh, never answered that refusal from the record. A SyncHLR (a write) is carried out whenever it runs: it
was accepted. Dependencies (by name): ``boss`` (``BossClient``) and ``operator_zone`` (the operator's time zone, a
``tzinfo``), built by ``adapters.boss.wiring.dependencies`` from the settings.
"""

from __future__ import annotations

import logging
from datetime import tzinfo
from typing import Any

from adapters.boss import mapping
from adapters.boss.client import BossClient
from hub.envelope import Envelope
from hub.gateways import with_ack
from hub.observability import mask_msisdn
from hub.workers import HandlerContext, HandlerRegistry, Reply
from hub.workers.caller_wait import CallerWait, check_waiting

__all__ = ["CONSUMER", "handlers", "query_customer_tier"]

CONSUMER = "boss"
log = logging.getLogger("onepoint.adapters.boss")

handlers = HandlerRegistry()


@handlers.handler("boss.QueryCustomerTier", consumer=CONSUMER, reads=True)
def query_customer_tier(envelope: Envelope, boss: BossClient, operator_zone: tzinfo,
                        context: HandlerContext) -> Reply:
    """BOSS's tier answer, the highest identity still valid on the operator's day the request was received."""
    check_waiting(CallerWait.of(context.message), "BOSS not asked for the tier")
    today = envelope.received_at.astimezone(operator_zone).date()
    tier = boss.query_customer_tier(mapping.tier_arguments(envelope), today)
    live = mapping.live_identities(tier.identities, today)
    highest = mapping.highest_tier([mapping.identity_tier(i) for i in live]) if live else tier.effective_tier
    if highest != tier.effective_tier:
        log.warning("BOSS's effective tier is not the highest valid identity; the highest answered",
                    extra={"msisdn": mask_msisdn(tier.msisdn), "effective_tier": tier.effective_tier,
                           "highest": highest})
        tier = mapping.with_effective_tier(tier, highest)
    return Reply(with_ack(tier.document, envelope, in_place=True), outcome=f"tier {tier.effective_tier}")


@handlers.handler("boss.QuerySubscriber", consumer=CONSUMER, reads=True)
def query_subscriber(envelope: Envelope, boss: BossClient, context: HandlerContext) -> Reply:
    check_waiting(CallerWait.of(context.message), "BOSS not asked for the subscriber record")
    record = boss.query_subscriber(mapping.subscriber_arguments(envelope))
    return Reply(with_ack(record, envelope, in_place=True), outcome="subscriber record")


@handlers.handler("boss.SyncHLR", consumer=CONSUMER)
def sync_hlr(envelope: Envelope, boss: BossClient) -> Reply:
    arguments = mapping.sync_arguments(envelope)
    synced = boss.sync_hlr(arguments)
    _log_sync(envelope, arguments, synced)
    outcome = f"hlr repaired: {len(synced.changes)} field(s)" if synced.changed else "hlr already in sync"
    return Reply(with_ack(synced.document, envelope, in_place=True), outcome=outcome)


def _log_sync(envelope: Envelope, arguments: dict[str, Any], synced: mapping.HlrSync) -> None:
    """The HLR repair's trace (see the module): BOSS is told the hub's identity, so the caller is kept here."""
    changes: list[str] | str = [f"{c.field}: {c.hlr_value} → {c.boss_value}" for c in synced.changes]
    if not changes:
        changes = "repaired, no field named by BOSS" if synced.changed else "nothing to repair"
    log.info("HLR repair asked of BOSS", extra={
        "message_id": envelope.message_id, "caller": envelope.headers.get("caller"),
        "source_system": envelope.source_system, "operator": arguments.get("Operator"),
        "msisdn": mask_msisdn(str(arguments.get("Msisdn") or "")), "work_order_id": arguments.get("WorkOrderId"),
        "changes": changes})
