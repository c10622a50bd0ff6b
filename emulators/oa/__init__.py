"""The OA emulator (office automation): managers' to-do (待办) and to-read (待阅) inboxes, Atom feeds, call-backs.

``create_emulator(seed=0, hub_url=None, hub_token=None, clock=None, callback_attempts=5, callback_backoff=0.5,
max_items=10_000, state_limit=1_000)``

Endpoints: :mod:`emulators.oa.app`; behaviour: :mod:`emulators.oa.service`; inboxes: :mod:`emulators.oa.state`;
feeds: :mod:`emulators.oa.feeds`.
"""

from emulators.oa.app import create_emulator

__all__ = ["create_emulator"]
