"""The DSMP emulator (data-service platform for SPs): SMS records with an audit trail, per-SP complaint figures.

``create_emulator(seed=0, subscribers=1000, anchor=None, days=30, sp_count=12, clock=None)``; the subscribers
come from :func:`emulators.population.generate_population` with the same seed (as BOSS and CRM use it).

Endpoints: :mod:`emulators.dsmp.app`; behaviour: :mod:`emulators.dsmp.service`; data and audit trail:
:mod:`emulators.dsmp.state` (derived by :mod:`emulators.dsmp.directory` and :mod:`emulators.dsmp.smslog`).
"""

from emulators.dsmp.app import create_emulator

__all__ = ["create_emulator"]
