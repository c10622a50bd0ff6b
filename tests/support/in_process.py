"""A hub app asked over HTTP in-process (httpx's ASGI transport): no server, no port."""

from __future__ import annotations

import asyncio

import httpx

from hub.ingress.app import HubApp

__all__ = ["asgi_get"]


def asgi_get(app: HubApp, path: str) -> httpx.Response:
    """``GET path`` of ``app`` (``/readyz``, ``/metrics``, ...), answered by the app itself."""
    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app.asgi), base_url="http://hub") as client:
            return await client.get(path)

    return asyncio.run(fetch())
