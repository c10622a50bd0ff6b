"""A running hub for the end-to-end adapter tests: its URL, settings and router, and adapters' Workers on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from hub.config.adapters import AdapterSettings
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.broker_router import BrokerRouter
from hub.routing.outbound import BrokerOutbound
from hub.store import SQLiteProcessedStore
from hub.validation import CommandSetRegistry, DocumentValidator
from hub.workers import Worker


@dataclass
class RunningHub:
    base_url: str
    settings: HubSettings
    router: BrokerRouter
    registry: CommandSetRegistry
    tmp_path: Path

    @property
    def broker(self) -> Any:
        return self.router.broker

    def queue(self, consumer: str) -> str:
        return str(self.broker.config.queue(consumer))

    def post(self, command_set: str, document: bytes, *, token: str) -> httpx.Response:
        """A caller POSTs ``document`` to ``/xml/<set>`` with its bearer token."""
        return httpx.post(f"{self.base_url}/xml/{command_set}", content=document, timeout=30.0,
                          headers={"content-type": "application/xml", "authorization": f"Bearer {token}"})

    @contextmanager
    def adapter(self, module: ModuleType, *gateways: AdapterSettings, **settings: Any) -> Iterator[dict[str, Any]]:
        """The adapter ``module`` (``adapters.nsp``...) in a Worker on this hub's broker, calling ``gateways``;
        yields its dependencies and the processed store (``deps["store"]``)."""
        configured = replace(self.settings, adapters=gateways, **settings)
        metrics = Metrics()
        deps = module.dependencies(configured, breakers=CircuitBreakers(metrics), metrics=metrics,
                                   registry=self.registry)
        store = SQLiteProcessedStore(self.tmp_path / f"{module.CONSUMER}-processed.db")
        outbound = BrokerOutbound(self.broker, self.router.table, DocumentValidator(self.registry))
        try:
            with Worker(self.broker, module.CONSUMER, module.handlers, store=store, dependencies=deps,
                        metrics=metrics, outbound=outbound):
                yield {**deps, "store": store}
        finally:
            module.close(deps)
            store.close()
