"""How the OA adapter is assembled from the settings: its gateway and client, the managers per area.

::

    deps = dependencies(settings, breakers=breakers, metrics=metrics)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps, metrics=metrics,
                outbound=BrokerOutbound(broker, table, validator)):   # outage notices → PushToRead commands
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.oa.client import OaClient
from adapters.oa.closed_items import ClosedItems, ClosedItemsFile
from adapters.oa.closed_items_postgres import PostgresClosedItems
from adapters.oa.handlers import CONSUMER
from adapters.oa.notice_book import NoticeBook
from adapters.oa.notice_file import FILE_NAME, NoticeBookFile
from adapters.oa.notice_postgres import PostgresNoticeBook
from adapters.oa.readers import AreaManagers
from adapters.oa.versions import ToReadVersions
from hub.config.settings import ConfigError, HubSettings
from hub.gateways import CircuitBreakers, XmlGateway
from hub.observability.metrics import Metrics
from hub.validation import CommandSetRegistry

__all__ = ["CONSUMER", "close", "dependencies"]


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None) -> dict[str, Any]:
    """``oa`` (an ``OaClient`` on an ``XmlGateway``), ``area_managers`` (``AreaManagers``),
    ``to_read_versions`` (``ToReadVersions``: which version of a notice each to-read shows, who was told of it)
    and ``closed_items`` (the to-dos the hub closed and to-reads it withdrew, so a late push does not open one
    again), both kept under the
    hub's topology prefix where every OA worker of the deployment judges against one record (``_records``)."""
    adapter = settings.adapter(CONSUMER)
    try:
        managers = AreaManagers.from_options(adapter.options, f"{settings.source}: [adapters.{CONSUMER}]")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    command_set = (registry or CommandSetRegistry.installed(detailed=False)).get("oa")
    book, closed = _records(settings)
    # a push's lease outlasts the longest push (connect and read time-outs) with a margin
    lease = 2 * (adapter.connect_timeout + adapter.read_timeout) + 5.0
    return {"oa": OaClient(XmlGateway(adapter, command_set, breakers=breakers, metrics=metrics)),
            "area_managers": managers, "to_read_versions": ToReadVersions(book=book, lease_seconds=lease),
            "closed_items": closed}


def _records(settings: HubSettings) -> tuple[NoticeBook, ClosedItems]:
    """The notice book and the closed items: in the PostgreSQL database of ``[workers] processed_store`` when the
    deployment shares its processed-message records there (``PostgresNoticeBook``, ``PostgresClosedItems``: the
    OA workers of every hub and machine share them), else in ``onepoint-oa-notices.db`` beside the bulletin's file,
    ``[bulletin] path``'s folder (``NoticeBookFile``, ``ClosedItemsFile``: the OA workers of this machine share
    it); either outlives a restart."""
    shared, prefix = settings.workers.processed_store, settings.topology_prefix
    book: NoticeBook
    if shared:
        book = PostgresNoticeBook(shared, prefix=prefix)
    else:
        book = NoticeBookFile(settings.bulletin.path.parent / FILE_NAME, prefix=prefix)
    try:
        if shared:
            return book, PostgresClosedItems(shared, prefix=prefix)
        return book, ClosedItemsFile(settings.bulletin.path.parent / FILE_NAME, prefix=prefix)
    except BaseException:
        book.close()
        raise


def close(built: Mapping[str, Any]) -> None:
    """Close what ``dependencies`` opened (the gateway's connections, the versions' and closed items'
    file or database connections)."""
    client = built.get("oa")
    if isinstance(client, OaClient):
        client.close()
    versions = built.get("to_read_versions")
    if isinstance(versions, ToReadVersions):
        versions.close()
    closed = built.get("closed_items")
    if isinstance(closed, ClosedItemsFile | PostgresClosedItems):
        closed.close()
