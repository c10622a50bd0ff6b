"""The files an ``onepoint`` process creates are its account's only.

Every command adds 0o077 to the process's umask at its start (`owner_only_files`; a stricter umask is kept), before
any store is opened: the work-order database, the audit log, the bulletin, the OA notices, the processed-message
records, the lock files are created 0600 (folders 0700; a pid file 0644, ``hub.cli.pid_files``), whatever umask
the shell or service manager gave (022 makes them readable by every account of the machine, and the work-order
database holds customers' full numbers). SQLite creates a database's ``-wal`` and ``-shm`` with the database
file's own mode, so they follow. A file made by an earlier release keeps its mode: ``chmod 600`` it once
(CHANGELOG).
"""

from __future__ import annotations

import os

__all__ = ["OWNER_ONLY", "owner_only_files"]

OWNER_ONLY = 0o077  # the umask bits that keep the group and other accounts out


def owner_only_files() -> None:
    """Add `OWNER_ONLY` to the process's umask."""
    os.umask(os.umask(OWNER_ONLY) | OWNER_ONLY)
