"""``[server]``: where callers reach the hub (``public_url``, the WSDLs' ``soap:address``) and how long and how
many of their connections it serves (``read_timeout_seconds``, ``keep_alive_seconds``, ``max_connections``:
``hub.http.server`` and its protocol, ``hub.http.protocol``), and which reverse proxies it believes about the
client's address (``trusted_proxies``)."""

from __future__ import annotations

import ipaddress
import socket
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from hub.config.values import is_number

__all__ = ["KEEP_ALIVE_SECONDS", "READ_TIMEOUT_SECONDS", "binds_every_address", "binds_loopback_only", "named_host",
           "parse_keep_alive",
           "parse_max_connections", "parse_public_url", "parse_read_timeout", "parse_trusted_proxies",
           "public_url_problem"]

READ_TIMEOUT_SECONDS = 30.0  # as hub.http.protocol.DEFAULT_READ_TIMEOUT (the emulators' servers)
KEEP_ALIVE_SECONDS = 75.0  # as hub.http.server.DEFAULT_KEEP_ALIVE
LONGEST_KEEP_ALIVE = 3600.0

_URL_FORBIDDEN = frozenset(' "<>\\^`{|}')


def parse_public_url(value: Any, source: str) -> str | None:
    """``server.public_url``: ``http[s]://host[:port][/path]``, no credentials, query or fragment; kept without
    its trailing slash (the SOAP addresses are ``<public_url>/soap/<set>``)."""
    if value is None:
        return None
    problem = public_url_problem(value) if isinstance(value, str) else "must be a string"
    if problem is None:
        return str(value).rstrip("/")
    raise ValueError(f"{source}: server.public_url {problem}, such as \"https://hub.example.com\", not {value!r}")


def public_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the hub's public base URL (None: it can)."""
    if any(char in _URL_FORBIDDEN or not char.isprintable() for char in url):
        return "must not contain spaces, quotes or control characters"
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in 0-65535)
    except ValueError:
        return "must have a valid port"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http:// or https:// URL"
    if parts.username is not None or parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must not carry credentials, a query or a fragment"
    return None


def parse_read_timeout(server: dict[str, Any], source: str) -> float:
    """``server.read_timeout_seconds``: how long a request may take to arrive whole (headers and body) from its
    first byte before it is answered 408; more than 0."""
    value = server.get("read_timeout_seconds", READ_TIMEOUT_SECONDS)
    if not is_number(value) or value <= 0:
        raise ValueError(f"{source}: server.read_timeout_seconds must be a number of seconds above 0, such as 30, "
                         f"not {value!r}")
    return float(value)


def parse_keep_alive(server: dict[str, Any], source: str) -> float:
    """``server.keep_alive_seconds``: how long an idle connection is kept for the caller's next request; at least
    1, at most an hour. Keep it above the idle timeout of whatever pools connections to the hub (a load balancer's
    60 s), else the hub closes a connection just as a request is sent on it."""
    value = server.get("keep_alive_seconds", KEEP_ALIVE_SECONDS)
    if not is_number(value) or not 1 <= value <= LONGEST_KEEP_ALIVE:
        raise ValueError(f"{source}: server.keep_alive_seconds must be a number of seconds from 1 to "
                         f"{LONGEST_KEEP_ALIVE:g}, such as 75, not {value!r}")
    return float(value)


def parse_max_connections(server: dict[str, Any], source: str) -> int | None:
    """``server.max_connections``: the most connections served at once (a request over it is answered 503);
    absent: half the process's open-file limit (``hub.http.server.default_max_connections``)."""
    value = server.get("max_connections")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{source}: server.max_connections must be a positive whole number, such as 500, "
                         f"not {value!r}")
    return value


def parse_trusted_proxies(server: dict[str, Any], source: str) -> tuple[str, ...]:
    """``server.trusted_proxies``: the reverse proxies in front of the hub, by address or network
    (``["10.0.0.5", "10.1.0.0/16"]``); their ``X-Forwarded-For`` names the client. Absent or empty (the
    default): no one's is believed, the client is the address its connection came from. An audit row's ``peer``
    and the sign-in throttle read that address, so only a proxy that overwrites the header belongs here."""
    value = server.get("trusted_proxies", [])
    if not isinstance(value, list):
        raise ValueError(f"{source}: server.trusted_proxies must be a list of addresses or networks, such as "
                         f"[\"10.0.0.5\", \"10.1.0.0/16\"], not {value!r}")
    found = []
    for item in value:
        try:
            if not isinstance(item, str):
                raise ValueError
            found.append(str(ipaddress.ip_network(item.strip(), strict=True)) if "/" in item
                         else str(ipaddress.ip_address(item.strip())))
        except ValueError:
            raise ValueError(f"{source}: server.trusted_proxies: {item!r} is no IP address or network (such as "
                             "\"10.0.0.5\" or \"10.1.0.0/16\", without host bits); a host name or \"*\" is not "
                             "taken: whoever could connect would choose the address the hub records") from None
    return tuple(found)


def binds_every_address(host: str) -> bool:
    """Whether ``host`` is an unspecified address (``0.0.0.0``, ``::``): one to bind, never one to connect to."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


def binds_loopback_only(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback one (``127.0.0.1``, ``::1``, ``localhost``): a hub
    bound there is reached from this machine only. False for one that does not resolve."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(str(info[4][0]).partition("%")[0]).is_loopback
                               for info in found)


@cache
def _this_machine() -> str:
    return socket.gethostname() or "localhost"


def named_host(host: str) -> str:
    """The host to write in a URL for the bind address ``host``: this machine's name for an unspecified address
    (a client elsewhere cannot connect to 0.0.0.0), else ``host`` itself."""
    return _this_machine() if binds_every_address(host) else host
