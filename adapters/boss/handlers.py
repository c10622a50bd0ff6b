"""The BOSS adapter's handlers (queue ``boss``): each request answered with BOSS's ``<Command>Response``.

* ``boss.QueryCustomerTier``: the customer's tier from BOSS (repeats within the route's ``cache_ttl`` are
  answered by the ingress's reply cache and never reach this queue). The highest identity wins: when BOSS's
  ``EffectiveTier`` is not the highest of the identities still valid (``ValidUntil``, a date of the operator's
  calendar, not passed on the operator's day the request was received: ``[workflow] statistics_timezone``), the
  answer says the highest one and its priority (logged as a warning), so the caller, the reply cache and the
  workflow's tier cache all get it, with that tier's published answer target (``hub.customer_tiers``) in place of
  BOSS's, which was the target of the tier BOSS named;
* ``boss.QuerySubscriber``: the subscriber record;
* ``boss.SyncHLR``: BOSS repairs the HLR; the diff (``Change`` per field) goes back to the caller.

An unknown subscriber is answered with ``c:Error`` code ``subscriber-not-found``. Dependencies (by name):
``boss`` (``BossClient``) and ``operator_zone`` (the operator's time zone, a ``tzinfo``), built by
``adapters.boss.wiring.dependencies`` from the settings.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from adapters.boss import mapping
from adapters.boss.client import BossClient
from hub.envelope import Envelope
from hub.gateways import with_ack
from hub.observability import mask_msisdn
from hub.workers import HandlerRegistry, Reply

__all__ = ["CONSUMER", "handlers", "query_customer_tier"]

CONSUMER = "boss"
log = logging.getLogger("onepoint.adapters.boss")

handlers = HandlerRegistry()


@handlers.handler("boss.QueryCustomerTier", consumer=CONSUMER)
def query_customer_tier(envelope: Envelope, boss: BossClient, operator_zone: tzinfo) -> Reply:
    """BOSS's tier answer, the highest identity still valid on the operator's day the request was received."""
    tier = boss.query_customer_tier(mapping.tier_arguments(envelope))
    live = mapping.live_identities(tier.identities, envelope.received_at.astimezone(operator_zone).date())
    highest = mapping.highest_tier([i.tier for i in live]) if live else tier.effective_tier
    if highest != tier.effective_tier:
        log.warning("BOSS's effective tier is not the highest valid identity; the highest answered",
                    extra={"msisdn": mask_msisdn(tier.msisdn), "effective_tier": tier.effective_tier,
                           "highest": highest})
        tier = mapping.with_effective_tier(tier, highest)
    return Reply(with_ack(tier.document, envelope, in_place=True), outcome=f"tier {tier.effective_tier}")


@handlers.handler("boss.QuerySubscriber", consumer=CONSUMER)
def query_subscriber(envelope: Envelope, boss: BossClient) -> Reply:
    record = boss.query_subscriber(mapping.subscriber_arguments(envelope))
    return Reply(with_ack(record, envelope, in_place=True), outcome="subscriber record")


@handlers.handler("boss.SyncHLR", consumer=CONSUMER)
def sync_hlr(envelope: Envelope, boss: BossClient) -> Reply:
    synced = boss.sync_hlr(mapping.sync_arguments(envelope))
    outcome = f"hlr repaired: {len(synced.changes)} field(s)" if synced.changed else "hlr already in sync"
    return Reply(with_ack(synced.document, envelope, in_place=True), outcome=outcome)
