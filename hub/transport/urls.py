"""Broker URLs: ``memory://``, or ``amqp[s]://user:pass@host:port/vhost`` with one or several node addresses.

A RabbitMQ cluster is named by its nodes' addresses, comma-separated, sharing the credentials, virtual host
and options: ``amqp://user:pass@10.0.0.1:5672,10.0.0.2:5672,10.0.0.3/%2F``. The client connects to the first
that answers and moves to the next when its node goes.

``redacted`` serves every URL the hub prints (database URLs, adapters' URLs too): a mistyped one included.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["BrokerURLError", "check_broker_url", "node_urls", "redacted", "scheme"]

AMQP_SCHEMES = ("amqp", "amqps")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|sslpassword|ssl_options)=)[^&#]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:/*")  # a scheme however many slashes follow ("htps:/", "postgresql:")


class BrokerURLError(ValueError):
    """A broker URL that cannot be used; the message never contains the password."""


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs, however its scheme is written: the URLs a message
    shows are often the mistyped ones (``postgresql+psycopg:/hub:PASSWORD@db``, ``htps://user:PASSWORD@host``,
    ``hub:PASSWORD@db``). The user and password are what stands between the scheme and the last ``@`` of the
    address (which ends at the first ``/``, ``?`` or ``#`` after an ``@``: a vhost or path may hold one); all after
    the user's ``:`` is hidden. A scheme without a slash (``name:``) counts as one only when a ``user:password``
    follows it; otherwise ``name`` is the user. Query options that carry secrets (pika's ``ssl_options`` with a
    key's password, a ``password=``) are hidden too."""
    url = _QUERY_SECRET.sub(r"\1***", url)
    first_at = url.find("@")
    if first_at < 0:
        return url
    end = min((found for found in (url.find(mark, first_at) for mark in "/?#") if found >= 0), default=len(url))
    head, _at, tail = url[:end].rpartition("@")
    found = _SCHEME.match(head)
    prefix = found.group() if found and (found.group().endswith("/") or ":" in head[found.end():]) else ""
    user, colon, _password = head[len(prefix):].partition(":")
    return f"{prefix}{user}{':***' if colon else ''}@{tail}{url[end:]}"


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


def check_broker_url(url: str) -> str:
    """``url`` if a broker can be opened from it: ``memory://`` or an ``amqp[s]://`` URL whose every node address
    the AMQP client takes, its options included (``?heartbeat=abc``, a misspelt ``?hearbeat=30``, ``?channel_max=0``
    are refused here, before anything starts, instead of when a connection is first made); ``BrokerURLError``
    naming the problem (never the password)."""
    if scheme(url) == "memory":
        return url
    import pika  # here, not above: settings on memory:// (and every tool that prints a URL) never load the client

    for node in node_urls(url):
        try:
            pika.URLParameters(node)
        except (ValueError, TypeError, SyntaxError, KeyError, OSError) as exc:  # pika's option parsing (int, ast, ssl)
            known = sorted(name.removeprefix("_set_url_") for name in dir(pika.URLParameters)
                           if name.startswith("_set_url_"))
            hint = f" (the options: {', '.join(known)})" if "Unknown URL parameter" in str(exc) else ""
            raise BrokerURLError(f"broker URL {redacted(url)!r}: {exc}{hint}") from None
    return url
