"""The NSP emulator (provincial network management centre): complaint tickets, replies, the hub's withdrawals of
tickets (:mod:`emulators.nsp.withdrawals`) and network notices.

``create_emulator(seed=0, hub_url=None, hub_token=None, reply_delay=5.0, auto_reply=True,
answer_known_faults=True, schedule=None, clock=None, callback_attempts=5, callback_backoff=0.5, max_tickets=10_000,
state_limit=1_000)``.
Endpoints: :mod:`emulators.nsp.app`; behaviour: :mod:`emulators.nsp.service` (notices raised, revised and cleared:
:mod:`emulators.nsp.outages`); tickets and notices: :mod:`emulators.nsp.state`; scripts:
:mod:`emulators.nsp.script`; the reply settings, changed while it runs (``POST /nsp/settings``):
:mod:`emulators.nsp.settings`.
Call-backs (NetworkComplaintReply, OutageNotice) go to ``{hub_url}/xml/nsp`` with the bearer ``hub_token``.
"""

from emulators.nsp.app import create_emulator

__all__ = ["create_emulator"]
