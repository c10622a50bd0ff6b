"""Who holds a claim: the owning process, named so that another process can tell whether it is gone.

A claim's row records ``owner()``: ``host/boot id/pid namespace/pid/start time``. A worker that finds a leased
claim asks ``gone(owner)``: True only when it can *prove* the holder is dead: same host, boot and pid namespace,
and no process with that pid and start time (a SIGKILLed worker; a reused pid has another start time). Otherwise
(another machine, container or boot, or one that merely shares the host name) it answers False and the lease
decides (``ProcessedStore.lease_seconds``, renewed by ``hub.store.lease.LeaseKeeper`` while the holder runs).
"""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

__all__ = ["gone", "owner"]

_PROC = Path("/proc")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22); "" if unknown."""
    stat = _read(_PROC / str(pid) / "stat")
    if not stat:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()  # the command name (field 2) may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else ""


def _pid_namespace() -> str:
    try:
        return os.readlink(_PROC / "self" / "ns" / "pid")
    except OSError:
        return ""


@functools.cache
def _machine() -> tuple[str, str, str]:
    return socket.gethostname(), _read(_PROC / "sys" / "kernel" / "random" / "boot_id"), _pid_namespace()


def owner(pid: int | None = None) -> str:
    """This process (or ``pid`` on this machine) as a claim's owner."""
    pid = os.getpid() if pid is None else pid
    host, boot, namespace = _machine()
    return "/".join((host.replace("/", "_"), boot, namespace.replace("/", "_"), str(pid), _start_time(pid)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def gone(holder: str | None) -> bool:
    """True if the process named by ``holder`` (an ``owner()``) certainly no longer runs."""
    if not holder:
        return False
    parts = holder.split("/")
    if len(parts) != 5:
        return False
    host, boot, namespace, pid_text, started = parts
    my_host, my_boot, my_namespace = _machine()
    here = (my_host.replace("/", "_"), my_boot, my_namespace.replace("/", "_"))
    if (host, boot, namespace) != here or not pid_text.isdigit():
        return False  # another machine, container or boot (or one of the same name): only the lease can tell
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    if started and _PROC.is_dir():
        return _start_time(pid) != started  # "" (no such process) or a reused pid
    return not _alive(pid)
