"""An OA adapter worker as one process of several would run it: its own `ToReadVersions` on the shared notice file,
its own gateway, the test's OA (respx) answering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.oa import MemoryClosedItems, NoticeBookFile, OaClient, ToReadVersions, handlers
from hub.gateways import CircuitBreakers, XmlGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.oa_kit import MANAGERS
from tests.unit.adapters.soap_kit import registry, settings

__all__ = ["oa_worker"]


@contextmanager
def oa_worker(path: Path, versions: ToReadVersions | None = None) -> Iterator[WorkerTestClient]:
    """An OA worker whose versions are kept in ``path`` (a restart, or another process, is another one); OA is
    whatever the caller's respx router answers. ``versions``: the caller's, on ``path`` (closed here)."""
    gateway = XmlGateway(settings("oa"), registry().get("oa"), breakers=CircuitBreakers())
    versions = versions if versions is not None else ToReadVersions(book=NoticeBookFile(path))
    try:
        yield WorkerTestClient(handlers, consumer="oa", dependencies={
            "oa": OaClient(gateway), "area_managers": MANAGERS, "to_read_versions": versions,
            "closed_items": MemoryClosedItems()})
    finally:
        versions.close()
        gateway.close()
