"""The NSP emulator (provincial network management centre): complaint tickets, replies and network notices.

``create_emulator(seed=0, hub_url=None, hub_token=None, reply_delay=5.0, auto_reply=True,
answer_known_faults=True, schedule=None, clock=None, callback_attempts=5, callback_backoff=0.5)``.
Endpoints: :mod:`emulators.nsp.app`; behaviour: :mod:`emulators.nsp.service`; scripts: :mod:`emulators.nsp.script`.
Call-backs (NetworkComplaintReply, OutageNotice) go to ``{hub_url}/xml/nsp`` with the bearer ``hub_token``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulators.callbacks import CallbackClient
from emulators.nsp.app import NSP_ROUTES, build_app
from emulators.nsp.script import load_script
from emulators.nsp.service import NspService
from emulators.toolkit import Clock, EmulatorHooks, SystemClock
from emulators.toolkit.xmlcommand import ServiceEmulatorApp, route_operation, validator

__all__ = ["NspService", "create_emulator"]


def create_emulator(
    *, seed: int = 0, hub_url: str | None = None, hub_token: str | None = None, reply_delay: float = 5.0,
    auto_reply: bool = True, answer_known_faults: bool = True,
    schedule: str | Path | list[Any] | dict[str, Any] | None = None, clock: Clock | None = None,
    callback_attempts: int = 5, callback_backoff: float = 0.5, **options: Any,
) -> ServiceEmulatorApp:
    """A fresh NSP emulator; ``options`` go to :class:`~emulators.toolkit.EmulatorApp` (journal sizes...)."""
    clock = clock or SystemClock()
    validator()  # compile the schemas now, not on the first request
    callbacks = CallbackClient(hub_url, hub_token, system="nsp", attempts=callback_attempts,
                               backoff=callback_backoff)
    service = NspService(
        seed=seed, clock=clock, callbacks=callbacks, reply_delay=float(reply_delay), auto_reply=auto_reply,
        answer_known_faults=answer_known_faults, script=load_script(schedule) if schedule is not None else None,
    )
    hooks = EmulatorHooks(protocol="xml", operation=route_operation(NSP_ROUTES), reset=service.reset,
                          state=service.state)
    return ServiceEmulatorApp(build_app(service), name="nsp", hooks=hooks, seed=seed, clock=clock,
                              start=service.start_script, stop=service.stop, **options)
