"""Free TCP ports of 127.0.0.1 for the tests' servers, chosen so that two test processes and the machine's outgoing
connections do not take the same one between a test's choice and its server's bind."""

from __future__ import annotations

import os
import random
import socket
from collections import deque
from pathlib import Path

__all__ = ["free_port", "free_port_run"]

_LOWEST_PORT = 20_000
_GIVEN: deque[int] = deque(maxlen=2_000)  # handed out lately by this process: not handed out again so soon


def _ephemeral_start() -> int:
    """The first port of the kernel's range for outgoing connections (Linux: 32768 by default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _slice() -> range:
    """The ports this test process chooses from: below the kernel's range for outgoing connections (a client's
    connection, in any process, never takes one between the test's choice and its server's bind), one slice per
    pytest-xdist process (two test processes never choose the same one)."""
    top = max(_ephemeral_start(), _LOWEST_PORT + 2_000)
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % count
    size = (top - _LOWEST_PORT) // count
    return range(_LOWEST_PORT + index * size, _LOWEST_PORT + (index + 1) * size)


def free_port() -> int:
    """A TCP port of 127.0.0.1 free a moment ago, from this process's slice (``_slice``), not handed out lately."""
    ports = _slice()
    for _ in range(200):
        port = random.choice(ports)
        if port in _GIVEN:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.append(port)
        return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1} on 127.0.0.1")


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive ports that are free now on 127.0.0.1 (the emulators of ``onepoint serve``
    take ``--emulator-base-port`` and the five ports after it)."""
    for _ in range(50):
        base = free_port()
        if base + count > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no run of free ports")
