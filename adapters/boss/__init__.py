"""BOSS adapter: the hub's link to BOSS (business support system: subscribers, customer tiers, HLR).

Consumes queue ``boss`` — ``boss.QueryCustomerTier``, ``boss.QuerySubscriber``, ``boss.SyncHLR``, all requests —
and answers each with BOSS's ``<Command>Response`` (SOAP through ``hub.gateways.SoapGateway``), or ``c:Error``
``subscriber-not-found``. Tier lookups are cached per MSISDN for ``[adapters.boss] cache_ttl_seconds``.
Emits nothing.
"""

from adapters.boss.cache import TierCache
from adapters.boss.client import BossClient, SubscriberNotFound
from adapters.boss.handlers import CONSUMER, handlers
from adapters.boss.mapping import AccountManager, CustomerTier, FieldChange, HlrSync, Identity
from adapters.boss.wiring import close, dependencies

__all__ = [
    "CONSUMER",
    "AccountManager",
    "BossClient",
    "CustomerTier",
    "FieldChange",
    "HlrSync",
    "Identity",
    "SubscriberNotFound",
    "TierCache",
    "close",
    "dependencies",
    "handlers",
]
