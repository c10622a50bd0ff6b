"""The hub's own links in what it sends (OA items' work-order links, the outage notices' bulletin link) follow the
hub's address when the settings keep the built-in ``http://127.0.0.1:8000`` ones: the public URL when one is set
(``[server] public_url``, ``--public-url``: where an OA user's browser reaches the hub), else the address the hub
actually serves on (a hub started with ``--port 0`` or by ``onepoint demo`` must not send managers to port 8000),
in ``onepoint serve`` and in a separate ``onepoint worker`` alike (there the ``[server]`` address of the settings).
So does the address its WSDLs give SOAP clients (``[server] public_url``), unless the deployment configured one.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hub.config.settings import HubSettings

__all__ = ["BUILT_IN_HUB_URL", "links_to"]

BUILT_IN_HUB_URL = "http://127.0.0.1:8000"  # the base of hub/config/defaults.toml's links


def _moved(link: str, hub_url: str) -> str:
    return hub_url.rstrip("/") + link[len(BUILT_IN_HUB_URL):] if link.startswith(f"{BUILT_IN_HUB_URL}/") else link


def links_to(settings: HubSettings, serving_url: str | None) -> HubSettings:
    """``settings`` with the built-in links moved to the hub's public URL, else to ``serving_url`` (where it serves;
    None: the ``[server]`` address of the settings), which also becomes the public URL when none is configured;
    links and a public URL a deployment set itself are kept."""
    hub_url = settings.hub_url if serving_url is None else (settings.public_url or serving_url)
    workflow = replace(settings.workflow, link=_moved(settings.workflow.link, hub_url))
    adapters = []
    for adapter in settings.adapters:
        link = adapter.options.get("notice_link")
        if isinstance(link, str) and link != _moved(link, hub_url):
            adapter = replace(adapter, options=MappingProxyType({**adapter.options,
                                                                 "notice_link": _moved(link, hub_url)}))
        adapters.append(adapter)
    public_url = settings.public_url if settings.public_url is not None else hub_url.rstrip("/")
    return replace(settings, workflow=workflow, adapters=tuple(adapters), public_url=public_url)
