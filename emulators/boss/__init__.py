"""The BOSS emulator: a spyne SOAP 1.1 service on the real boss.xsd, answering from a seeded population.

``create_emulator(seed=0, subscribers=1000, hlr_drift_share=0.1, ws_users=None, nonce_cache_size=1_000_000)``
returns an :class:`~emulators.toolkit.app.EmulatorApp` (faults, journal, ``/__admin/``). Operations:

- ``QueryCustomerTier``: brand, every identity, the effective tier (highest identity wins), the account manager
  (VIP and group customers), the priority and the published answer target of the tier;
- ``QuerySubscriber``: the BOSS record (status, home area, IMSI, ICCID, balance, services);
- ``SyncHLR``: makes the HLR match BOSS and lists each field changed (HLR value before, BOSS value); a second sync
  changes nothing. The HLR state lives in the emulator instance; ``POST /__admin/reset`` restores the seeded start.

Every request is validated against boss.xsd before spyne (Fault ``Client.SchemaValidationError`` listing every
violation); an unknown MSISDN is a Fault ``Client.SubscriberNotFound``; every Ack echoes the request's MessageId
and CorrelationId with Status COMPLETED. WS-Security: ``ws_users`` (UsernameToken) when given, each
accepted nonce remembered for the replay window in a cache of ``nonce_cache_size`` (full of live nonces: Fault
``Server.Busy``, HTTP 503 + ``Retry-After``).
``GET /__admin/state``: counts, tiers, HLR drift remaining, syncs, sample MSISDNs
(:meth:`emulators.boss.state.BossState.snapshot`).
"""

from emulators.boss.app import create_emulator

__all__ = ["create_emulator"]
