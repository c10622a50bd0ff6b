"""Emulators of the backend systems the hub talks to; each ``emulators.<system>`` has the same skeleton
(``__init__``, ``app``, ``service``, ``state``), described in emulators/README.md."""
