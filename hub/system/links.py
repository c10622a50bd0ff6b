"""The hub's own links in what it sends (OA items' work-order links, the outage notices' bulletin link) follow the
address the hub actually serves on, when the settings keep the built-in ``http://127.0.0.1:8000`` ones: a hub
started with ``--port 0`` or by ``onepoint demo`` must not send managers to port 8000. So does the address its
WSDLs give SOAP clients (``[server] public_url``), unless the deployment configured one."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hub.config.settings import HubSettings

__all__ = ["BUILT_IN_HUB_URL", "links_to"]

BUILT_IN_HUB_URL = "http://127.0.0.1:8000"  # the base of hub/config/defaults.toml's links


def _moved(link: str, hub_url: str) -> str:
    return hub_url.rstrip("/") + link[len(BUILT_IN_HUB_URL):] if link.startswith(f"{BUILT_IN_HUB_URL}/") else link


def links_to(settings: HubSettings, hub_url: str) -> HubSettings:
    """``settings`` with the built-in links moved to ``hub_url`` and ``hub_url`` as the public URL when none is
    configured; links and a public URL a deployment set itself are kept."""
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
