"""The CRM emulator's assembly: its state, its spyne service on crm.xsd and the emulator wrapper."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.crm.service import crm_handlers
from emulators.crm.state import CrmState
from emulators.toolkit import EmulatorApp, EmulatorHooks
from emulators.toolkit.soapcontract import contract
from emulators.toolkit.soapgate import NONCE_CACHE_SIZE

__all__ = ["create_emulator"]


def create_emulator(*, seed: int = 0, subscribers: int = 1000, hlr_drift_share: float = 0.1,
                    ws_users: Mapping[str, str] | None = None, nonce_cache_size: int = NONCE_CACHE_SIZE,
                    **options: Any) -> EmulatorApp:
    """A fresh CRM emulator; ``options`` go to :class:`EmulatorApp` (journal_capacity, clock, wsgi_threads...)."""
    state = CrmState(seed=seed, subscribers=subscribers, hlr_drift_share=hlr_drift_share)
    crm = contract("crm")
    app = crm.soap_app(crm_handlers(state, crm, options.get("clock")), ws_users=ws_users,
                       nonce_cache_size=nonce_cache_size)
    hooks = EmulatorHooks(protocol="soap11", reset=state.reset, state=state.snapshot,
                          commands=crm.command_set.commands)
    emulator = EmulatorApp(app, name="crm", hooks=hooks, seed=seed, **options)
    emulator.crm_state = state  # type: ignore[attr-defined]  # for in-process tests
    return emulator
