"""The CRM emulator: account managers of VIP and group customers, on the real crm.xsd.

``create_emulator(seed=0, subscribers=1000, hlr_drift_share=0.1, ws_users=None, nonce_cache_size=1_000_000)``
builds its managers and their customers from the same seeded population as the BOSS emulator (same arguments -> the
same managers as BOSS's ``AccountManagerId``). ``NotifyAccountManager`` stores the notice (``GET /__admin/state``:
``recent_notices``) and answers the Ack (MessageId echoed, COMPLETED) and the NoticeId; an unknown manager is a Fault
``Client.AccountManagerNotFound``; an invalid request a Fault ``Client.SchemaValidationError`` listing every
violation. ``NotifyAreaOutage`` tells the account managers whose VIP and group customers live in the outage's areas,
keeping the newest version (revision, status) of each notice: an older or repeated version tells nobody (Ack
DUPLICATE), a newer revision tells only the account managers not yet told (``area_outages`` in the state), and answers
whom it told and how many customers. ``POST /__admin/reset`` forgets every notice. WS-Security as BOSS's:
``ws_users`` (UsernameToken) when given, nonces remembered in a cache of ``nonce_cache_size``.
"""

from emulators.crm.app import create_emulator

__all__ = ["create_emulator"]
