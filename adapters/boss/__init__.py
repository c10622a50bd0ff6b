"""BOSS adapter: the hub's link to BOSS (business support system: subscribers, customer tiers, HLR).

Consumes queue ``boss`` — ``boss.QueryCustomerTier``, ``boss.QuerySubscriber``, ``boss.SyncHLR``, all requests —
and answers each with BOSS's ``<Command>Response`` (SOAP through ``hub.gateways.SoapGateway``), or ``c:Error``
``subscriber-not-found`` (a read whose caller stopped waiting: ``caller-stopped-waiting``, BOSS not asked). Every
lookup reaches BOSS: repeats are answered by the hub's one reply cache at the ingress (the route's ``cache_ttl``,
hub/routing/reply_cache.py), so a tier change shows after one TTL. Emits nothing.
"""

from adapters.boss.client import BossClient, BossRefused, SubscriberNotFound
from adapters.boss.handlers import CONSUMER, handlers
from adapters.boss.mapping import AccountManager, CustomerTier, FieldChange, HlrSync, Identity
from adapters.boss.wiring import close, dependencies

__all__ = [
    "CONSUMER",
    "AccountManager",
    "BossClient",
    "BossRefused",
    "CustomerTier",
    "FieldChange",
    "HlrSync",
    "Identity",
    "SubscriberNotFound",
    "close",
    "dependencies",
    "handlers",
]
