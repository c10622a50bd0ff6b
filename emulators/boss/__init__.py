"""The BOSS emulator: a spyne SOAP 1.1 service on the real boss.xsd, answering from a seeded population.

``create_emulator(seed=0, subscribers=1000, hlr_drift_share=0.1, ws_users=None)`` returns an
:class:`~emulators.toolkit.app.EmulatorApp` (faults, journal, ``/__admin/``). Operations:

- ``QueryCustomerTier``: brand, every identity, the effective tier (highest identity wins), the account manager
  (VIP and group customers), the priority and the published answer target of the tier;
- ``QuerySubscriber``: the BOSS record (status, home area, IMSI, ICCID, balance, services);
- ``SyncHLR``: makes the HLR match BOSS and lists each field changed (HLR value before, BOSS value); a second sync
  changes nothing. The HLR state lives in the emulator instance; ``POST /__admin/reset`` restores the seeded start.

Every request is validated against boss.xsd before spyne (Fault ``Client.SchemaValidationError`` listing every
violation); an unknown MSISDN is a Fault ``Client.SubscriberNotFound``; every Ack echoes the request's MessageId
and CorrelationId with Status COMPLETED. WS-Security: see :mod:`emulators.boss.soapgate`.
``GET /__admin/state``: counts, tiers, HLR drift remaining, syncs, sample MSISDNs (:meth:`BossState.snapshot`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.boss.service import SUBSCRIBER_NOT_FOUND, boss_handlers
from emulators.boss.state import BossState, FieldChange, SubscriberNotFound
from emulators.toolkit import EmulatorApp, EmulatorHooks
from emulators.toolkit.soapcontract import contract

__all__ = ["SUBSCRIBER_NOT_FOUND", "BossState", "FieldChange", "SubscriberNotFound", "create_emulator"]


def create_emulator(*, seed: int = 0, subscribers: int = 1000, hlr_drift_share: float = 0.1,
                    ws_users: Mapping[str, str] | None = None, **options: Any) -> EmulatorApp:
    """A fresh BOSS emulator; ``options`` go to :class:`EmulatorApp` (journal_capacity, clock, wsgi_threads...)."""
    state = BossState(seed=seed, subscribers=subscribers, hlr_drift_share=hlr_drift_share)
    boss = contract("boss")
    app = boss.soap_app(boss_handlers(state, boss), ws_users=ws_users)
    hooks = EmulatorHooks(protocol="soap11", reset=state.reset, state=state.snapshot)
    emulator = EmulatorApp(app, name="boss", hooks=hooks, seed=seed, **options)
    emulator.boss_state = state  # type: ignore[attr-defined]  # for in-process tests and the benchmark
    return emulator
