"""A gateway's settings: the ``[adapters.<system>]`` section (``hub.config.adapters``) and what follows from it."""

from __future__ import annotations

import httpx

from hub.config.adapters import AdapterSettings

__all__ = ["GatewaySettings", "http_timeout"]

GatewaySettings = AdapterSettings  # one name per layer: the config parses it, the gateways use it


def http_timeout(settings: GatewaySettings) -> httpx.Timeout:
    """Connect within ``connect_timeout``; every other wait (write, read, a pooled connection) ``read_timeout``."""
    return httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
