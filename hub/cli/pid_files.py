"""Is the process a pid file names still the ``onepoint serve`` or ``onepoint worker`` that wrote it? And can the
pid file be written at all (checked before anything starts)?

A hub killed without its shutdown (``kill -9``, out of memory, power loss) leaves its pid file; the system later
gives that process id to another program, which a SIGHUP would terminate. On Linux the process's command line
(``/proc/<pid>/cmdline``) tells: the ``onepoint`` script, or ``python -m hub.cli.main``. Where there is no
``/proc`` nothing can be told and the process is taken at its word.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

__all__ = ["PID_FILE_MODE", "check_pid_file", "command_line", "is_onepoint", "write_pid_file"]

_PROC = Path("/proc")
PID_FILE_MODE = 0o644  # a process id is no secret: monitors running as another account read it
_MODULES = frozenset({"hub.cli.main", "hub.cli"})


def command_line(pid: int) -> list[str] | None:
    """The process's arguments; None where they cannot be read (no ``/proc`` here). ``ProcessLookupError`` when
    no such process runs."""
    if not (_PROC / "self" / "cmdline").exists():
        return None
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    except OSError:  # /proc mounted hidepid: another user's process cannot be looked at
        return []
    return [arg.decode("utf-8", "replace") for arg in raw.split(b"\0") if arg]


def is_onepoint(arguments: list[str]) -> bool:
    """Whether a command line runs the ``onepoint`` command (its script, or ``-m hub.cli.main``)."""
    return any(os.path.basename(arg) == "onepoint" or arg in _MODULES or arg.endswith("hub/cli/main.py")
               for arg in arguments)


def check_pid_file(pid_file: Path) -> None:
    """``--pid-file`` in a folder that does not exist or cannot be written (a systemd unit's ``/run/onepoint``
    before ``RuntimeDirectory=``) is one line and exit 1 before anything starts, not a traceback after the hub,
    its workers and emulators started."""
    folder = pid_file.parent
    if not folder.is_dir():
        raise click.ClickException(f"--pid-file {pid_file}: the folder {folder} does not exist (create it first)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.ClickException(f"--pid-file {pid_file}: the folder {folder} cannot be written by this user")


def write_pid_file(pid_file: Path) -> None:
    """This process's id into ``pid_file``, readable by every account (``PID_FILE_MODE``) whatever the process's
    umask (every ``onepoint`` command makes its files owner-only: ``hub.cli.file_modes``)."""
    descriptor = os.open(pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PID_FILE_MODE)
    with os.fdopen(descriptor, "w") as written:
        os.fchmod(written.fileno(), PID_FILE_MODE)
        written.write(f"{os.getpid()}\n")
