"""The consumers the hub can run, each a package of the adapters' shape: ``CONSUMER``, ``handlers`` (a
``HandlerRegistry``), ``dependencies(settings, *, breakers, metrics, registry) -> dict`` and ``close(deps)``;
optionally ``processed_store(deps)``, when the consumer records its processed messages in its own database (the
workflow: in the transaction of their effects), and ``background(deps, *, outbound, settings) -> stop``, what
runs beside the worker (the workflow's deadline scheduler).

The packages are named, not imported, here: one that is missing or not built yet (an adapter still empty) is
*unavailable* with the reason, and the rest of the system runs without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.store import ProcessedStore
from hub.workers import HandlerRegistry

__all__ = ["CONSUMER_PACKAGES", "ConsumerKit", "ConsumerUnavailable", "consumer_kit", "consumer_kits"]

#: consumer (queue) → the package that consumes it
CONSUMER_PACKAGES: dict[str, str] = {
    "boss": "adapters.boss",
    "crm": "adapters.crm",
    "nsp": "adapters.nsp",
    "dsmp": "adapters.dsmp",
    "oa": "adapters.oa",
    "mail": "adapters.mail",
    "bulletin": "hub.bulletin",
    "workflow": "hub.workflow.wiring",
}


class ConsumerUnavailable(LookupError):
    """No package consumes this queue, or it cannot be used (not importable, no handlers)."""


@dataclass(frozen=True, slots=True)
class ConsumerKit:
    """What it takes to run one consumer's worker."""

    consumer: str
    package: str
    handlers: HandlerRegistry
    dependencies: Callable[..., Mapping[str, Any]]
    close: Callable[[Mapping[str, Any]], None]
    processed_store: Callable[[Mapping[str, Any]], ProcessedStore] | None = None  # None: open one by URL
    background: Callable[..., Callable[[], None]] | None = None  # started beside the worker; returns its stop

    @property
    def handlers_ref(self) -> str:
        return f"{self.package}:handlers"


def consumer_kit(consumer: str) -> ConsumerKit:
    """The kit of ``consumer``, importing its package now; ``ConsumerUnavailable`` says why it cannot run."""
    package = CONSUMER_PACKAGES.get(consumer)
    if package is None:
        known = ", ".join(CONSUMER_PACKAGES)
        raise ConsumerUnavailable(f"no package consumes queue {consumer!r} yet (packages for: {known})")
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ConsumerUnavailable(f"{consumer}: cannot import {package}: {exc}") from exc
    handlers = getattr(module, "handlers", None)
    dependencies, close = getattr(module, "dependencies", None), getattr(module, "close", None)
    if not isinstance(handlers, HandlerRegistry) or not callable(dependencies) or not callable(close):
        raise ConsumerUnavailable(f"{consumer}: {package} does not export handlers, dependencies and close (yet)")
    if not handlers.for_consumer(consumer):
        raise ConsumerUnavailable(f"{consumer}: {package} registers no handler for queue {consumer!r}")
    own_store, background = getattr(module, "processed_store", None), getattr(module, "background", None)
    return ConsumerKit(consumer, package, handlers, dependencies, close, own_store if callable(own_store) else None,
                       background if callable(background) else None)


def consumer_kits(consumers: tuple[str, ...]) -> tuple[list[ConsumerKit], dict[str, str]]:
    """The kits of those ``consumers`` that can run, and why each other one cannot."""
    kits: list[ConsumerKit] = []
    missing: dict[str, str] = {}
    for consumer in consumers:
        try:
            kits.append(consumer_kit(consumer))
        except ConsumerUnavailable as exc:
            missing[consumer] = str(exc)
    return kits, missing
