"""The CRM emulator: account managers of VIP and group customers, on the real crm.xsd.

``create_emulator(seed=0, subscribers=1000, hlr_drift_share=0.1, ws_users=None)`` builds its managers and their
customers from the same seeded population as the BOSS emulator (same arguments -> the same managers as BOSS's
``AccountManagerId``). ``NotifyAccountManager`` stores the notice (``GET /__admin/state``: ``recent_notices``)
and answers the Ack (MessageId echoed, COMPLETED) and the NoticeId; an unknown manager is a Fault
``Client.AccountManagerNotFound``; an invalid request a Fault ``Client.SchemaValidationError`` listing every
violation. ``POST /__admin/reset`` forgets every notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.crm.service import ACCOUNT_MANAGER_NOT_FOUND, crm_handlers
from emulators.crm.state import AccountManagerNotFound, CrmState, Notice
from emulators.toolkit import EmulatorApp, EmulatorHooks
from emulators.toolkit.soapcontract import contract

__all__ = ["ACCOUNT_MANAGER_NOT_FOUND", "AccountManagerNotFound", "CrmState", "Notice", "create_emulator"]


def create_emulator(*, seed: int = 0, subscribers: int = 1000, hlr_drift_share: float = 0.1,
                    ws_users: Mapping[str, str] | None = None, **options: Any) -> EmulatorApp:
    """A fresh CRM emulator; ``options`` go to :class:`EmulatorApp` (journal_capacity, clock, wsgi_threads...)."""
    state = CrmState(seed=seed, subscribers=subscribers, hlr_drift_share=hlr_drift_share)
    crm = contract("crm")
    app = crm.soap_app(crm_handlers(state, crm), ws_users=ws_users)
    hooks = EmulatorHooks(protocol="soap11", reset=state.reset, state=state.snapshot)
    emulator = EmulatorApp(app, name="crm", hooks=hooks, seed=seed, **options)
    emulator.crm_state = state  # type: ignore[attr-defined]  # for in-process tests
    return emulator
