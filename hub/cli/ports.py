"""The network options of the commands that serve: ports in TCP's range and a host that resolves, checked before
anything starts (a usage error, exit 2; never a port wrapped modulo 65536 or an ``OverflowError`` traceback)."""

from __future__ import annotations

import socket

import click

__all__ = ["MAX_PORT", "PORT", "base_port", "check_host"]

MAX_PORT = 65535
PORT = click.IntRange(0, MAX_PORT)  # 0: a free port


def base_port(count: int) -> click.IntRange:
    """The first of ``count`` consecutive ports (``base``, ``base + 1``, ... ``base + count - 1``): all in range."""
    return click.IntRange(0, MAX_PORT - (count - 1))


def check_host(host: str, option: str = "--host") -> str:
    """``host`` if it resolves to an address to bind; a usage error naming ``option`` otherwise."""
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise click.BadParameter(f"{host!r} does not resolve to an address to bind: {exc}", param_hint=option) from None
    return host
