"""The hub URL an emulator calls back (``--hub-url`` of ``onepoint emulate``, ``hub_url=`` of the pytest plugin's
``emulator_factory`` and ``emulator_fixture``), checked before the emulator starts.

A URL no call-back could ever reach (``127.0.0.1:9`` without its scheme, port 0, a query) would otherwise show
only when a call-back is due, as five failed tries in the emulator's state. The call-backs go to
``{hub_url}/xml/nsp`` (NSP), ``{hub_url}/xml/oa`` (OA) and ``{hub_url}/mail/inbound`` (the mail emulator), each
with its own bearer token (``--hub-token``, ``hub_token=``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["HubUrlError", "check_hub_url"]

EXAMPLE = "e.g. http://127.0.0.1:8000"


class HubUrlError(ValueError):
    """A hub URL no call-back could reach."""


def check_hub_url(value: str) -> str:
    """``value`` as the call-back clients take it, ``http(s)://host[:port][/path]``: the port 1-65535, no query,
    fragment or user name (the credential is the hub token, given apart). Returned stripped."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HubUrlError(f"{value!r} is not an http:// or https:// URL ({EXAMPLE})")
    try:
        port = parts.port
    except ValueError:
        raise HubUrlError(f"{value!r} has no valid port (1-65535; {EXAMPLE})") from None
    if not parts.hostname or port == 0:
        raise HubUrlError(f"{value!r} names no host and port to reach ({EXAMPLE})")
    if parts.query or parts.fragment or "#" in value or parts.username is not None:
        raise HubUrlError(f"{value!r}: give the hub's base URL only, without a query, fragment or user name "
                          "(the token is given apart: --hub-token, hub_token=)")
    return text
