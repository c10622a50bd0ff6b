"""``[server] public_url``: the base URL callers reach the hub at (the WSDLs' ``soap:address``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["parse_public_url"]

_URL_FORBIDDEN = frozenset(' "<>\\^`{|}')


def parse_public_url(value: Any, source: str) -> str | None:
    """``server.public_url``: ``http[s]://host[:port][/path]``, no credentials, query or fragment; kept without
    its trailing slash (the SOAP addresses are ``<public_url>/soap/<set>``)."""
    if value is None:
        return None
    problem = _url_problem(value) if isinstance(value, str) else "must be a string"
    if problem is None:
        return str(value).rstrip("/")
    raise ValueError(f"{source}: server.public_url {problem}, such as \"https://hub.example.com\", not {value!r}")


def _url_problem(url: str) -> str | None:
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
