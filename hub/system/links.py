"""The hub's own links in what it sends (OA items' work-order links, the outage notices' bulletin link) follow the
hub's address when the settings keep the built-in ``http://127.0.0.1:8000`` ones: the public URL when one is set
(``[server] public_url``, ``--public-url``: where an OA user's browser reaches the hub), else the address the hub
actually serves on (a hub started with ``--port 0`` or by ``onepoint demo`` must not send managers to port 8000),
in ``onepoint serve`` and in a separate ``onepoint worker`` alike (there the ``[server]`` address of the settings,
which names no hub behind a load balancer: ``unreached_links`` says so, for the worker to warn at start).
So does the address its WSDLs give SOAP clients (``[server] public_url``), unless the deployment configured one.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hub.config.server import binds_every_address
from hub.config.settings import HubSettings

__all__ = ["BUILT_IN_HUB_URL", "links_to", "unreached_links"]

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


def _built_in_links(settings: HubSettings, consumer: str) -> list[str]:
    """The built-in links the worker of ``consumer`` sends: the workflow's OA work-order link, an adapter's
    ``notice_link`` (the OA adapter's outage notices)."""
    links = [settings.workflow.link] if consumer == "workflow" else []
    links += [adapter.options["notice_link"] for adapter in settings.adapters
              if adapter.system == consumer and isinstance(adapter.options.get("notice_link"), str)]
    return [link for link in links if link.startswith(f"{BUILT_IN_HUB_URL}/")]


def unreached_links(settings: HubSettings, consumer: str) -> str | None:
    """Why the links a separate worker of ``consumer`` sends may lead to no hub (they are built from ``[server]``
    host and port: no ``public_url`` is set), for a WARNING at its start; None when they follow a public URL, the
    deployment set them itself, or the consumer sends none."""
    if settings.public_url is not None or not _built_in_links(settings, consumer):
        return None
    where = (f"[server] host = \"{settings.host}\" binds every address, so they name this machine"
             f" ({settings.hub_url}) and no reachable hub" if binds_every_address(settings.host)
             else f"they name {settings.hub_url}, the [server] host and port of {settings.source}, where a hub"
             " answers only if one serves there")
    return (f"the hub's links in what the {consumer} worker sends (OA work-order links, outage notices) follow no"
            f" [server] public_url: {where}; set [server] public_url to the address users reach the hubs at (the"
            " load balancer's)")
