"""The BOSS emulator's assembly: its state, its spyne service on boss.xsd and the emulator wrapper."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.boss.service import boss_handlers
from emulators.boss.state import BossState
from emulators.toolkit import EmulatorApp, EmulatorHooks
from emulators.toolkit.soapcontract import contract
from emulators.toolkit.soapgate import NONCE_CACHE_SIZE

__all__ = ["create_emulator"]


def create_emulator(*, seed: int = 0, subscribers: int = 1000, hlr_drift_share: float = 0.1,
                    ws_users: Mapping[str, str] | None = None, nonce_cache_size: int = NONCE_CACHE_SIZE,
                    **options: Any) -> EmulatorApp:
    """A fresh BOSS emulator; ``options`` go to :class:`EmulatorApp` (journal_capacity, clock, wsgi_threads...)."""
    state = BossState(seed=seed, subscribers=subscribers, hlr_drift_share=hlr_drift_share)
    boss = contract("boss")
    app = boss.soap_app(boss_handlers(state, boss, options.get("clock")), ws_users=ws_users,
                        nonce_cache_size=nonce_cache_size)
    hooks = EmulatorHooks(protocol="soap11", reset=state.reset, state=state.snapshot,
                          commands=boss.command_set.commands)
    emulator = EmulatorApp(app, name="boss", hooks=hooks, seed=seed, **options)
    emulator.boss_state = state  # type: ignore[attr-defined]  # for in-process tests and the benchmark
    return emulator
