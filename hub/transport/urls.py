"""Broker URLs: ``memory://``, or ``amqp[s]://user:pass@host:port/vhost`` with one or several node addresses.

A RabbitMQ cluster is named by its nodes' addresses, comma-separated, sharing the credentials, virtual host
and options: ``amqp://user:pass@10.0.0.1:5672,10.0.0.2:5672,10.0.0.3/%2F``. The client connects to the first
that answers and moves to the next when its node goes.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["BrokerURLError", "node_urls", "redacted", "scheme"]

AMQP_SCHEMES = ("amqp", "amqps")


class BrokerURLError(ValueError):
    """A broker URL that cannot be used; the message never contains the password."""


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme_part, _, userinfo = head.partition("://")
    user, colon, _password = userinfo.partition(":")
    return f"{scheme_part}://{user}{':***' if colon else ''}@{tail}"


def scheme(url: str) -> str:
    """``amqp``, ``amqps`` or ``memory``; ``BrokerURLError`` for anything else."""
    found = url.partition("://")[0].lower() if "://" in url else ""
    if found not in (*AMQP_SCHEMES, "memory"):
        raise BrokerURLError(f"unsupported broker URL scheme {found!r} in {redacted(url)!r} (use amqp://, amqps:// "
                             "or memory://)")
    return found


def node_urls(url: str) -> tuple[str, ...]:
    """One single-address URL per node address of an ``amqp[s]://`` URL, in the order given.

    Raises ``BrokerURLError`` for an unknown scheme, a missing or empty address, or a bad port.
    """
    kind = scheme(url)
    if kind == "memory":
        raise BrokerURLError("memory:// names no broker node")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BrokerURLError(f"malformed broker URL {redacted(url)!r}: {exc}") from None
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if not hosts:
        raise BrokerURLError(f"broker URL {redacted(url)!r} names no host")
    if at and ":" not in userinfo:  # pika cannot read it (a TypeError deep inside): say what to write
        raise BrokerURLError(f"broker URL {redacted(url)!r} names the user {userinfo!r} without a password: write "
                             f"{kind}://{userinfo}:PASSWORD@… (an empty one as {kind}://{userinfo}:@…)")
    urls = []
    for address in hosts.split(","):
        address = address.strip()
        if not address:
            raise BrokerURLError(f"broker URL {redacted(url)!r} has an empty node address")
        node = urlunsplit((kind, f"{userinfo}{at}{address}", parts.path, parts.query, parts.fragment))
        try:
            node_parts = urlsplit(node)
            port = node_parts.port
        except ValueError as exc:
            raise BrokerURLError(f"broker URL {redacted(url)!r}: address {address!r}: {exc}") from None
        if not node_parts.hostname:
            raise BrokerURLError(f"broker URL {redacted(url)!r}: address {address!r} has no host")
        if port == 0:
            raise BrokerURLError(f"broker URL {redacted(url)!r}: address {address!r}: port 0")
        urls.append(node)
    return tuple(urls)
