"""What ``/readyz`` and ``/metrics`` learn of the hub's own dependencies beyond the broker, each checked in the
background (``hub.observability.probes``), never by a request:

* ``database``: the work-order database of the workflow worker in this process: ``SELECT 1``, its writes (the last
  failed and none succeeded since: a full disk, a read-only file), and a SQLite file still the one opened and
  writable (``hub.workflow.store.readiness``);
* ``processed_store``: the shared PostgreSQL processed-message store of the adapters' workers in this process
  (``[workers] processed_store``); a SQLite file or memory has nothing to probe;
* ``bulletin_database``, ``nonce_store``, ``audit_database``: the PostgreSQL databases ``[bulletin] database``,
  ``[security] nonce_store`` and ``[audit] database`` name (``shared_database_probes``), which this process reads
  and writes for requests (``GET /bulletin``, every signed SOAP call) or its DSMP worker does, also under
  ``--no-workers``; before, ``/readyz`` said ``ok`` while ``/bulletin`` answered 503 and SMS-log queries 504.

``checks.<name>`` in ``/readyz`` (failing: status ``degraded``, the reason under ``failing``) and
``onepoint_dependency_up{dependency="<name>"}`` read the last outcome."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from hub.config.settings import HubSettings
from hub.database import postgres_connect_args
from hub.observability.probes import PROBE_INTERVAL, PROBE_TIMEOUT, BackgroundProbe
from hub.security.nonces import nonce_store_url
from hub.store.base import ProcessedStore

__all__ = ["DATABASE", "PROCESSED_STORE", "database_probe", "ping", "processed_store_probe", "shared_database_probes"]

DATABASE = "database"  # the name of the work-order store's check in /readyz and /metrics
PROCESSED_STORE = "processed_store"  # the name of the shared processed store's check


def ping(engine: Engine) -> None:
    """``SELECT 1`` on a connection of ``engine``'s pool (the one the worker uses)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def database_probe(dependencies: Mapping[str, Any], *, interval: float = PROBE_INTERVAL,
                   timeout: float = PROBE_TIMEOUT) -> BackgroundProbe | None:
    """The probe of the work-order database of a consumer's ``dependencies`` (the workflow's: its
    ``WorkflowRuntime``), not started; None for a consumer without one."""
    from hub.workflow.runtime import WorkflowRuntime

    runtime = dependencies.get("workflow")
    if not isinstance(runtime, WorkflowRuntime):
        return None

    def select_one(engine: Engine) -> None:
        ping(engine)  # looked up at each check

    return BackgroundProbe(DATABASE, runtime.store.readiness_check(select_one), interval=interval, timeout=timeout)


def processed_store_probe(store: ProcessedStore, *, interval: float = PROBE_INTERVAL,
                          timeout: float = PROBE_TIMEOUT) -> BackgroundProbe | None:
    """The probe of a worker's processed ``store`` when it is the shared PostgreSQL one (on its own engine), not
    started; None for a SQLite file, memory, or the workflow's store (the work-order database: ``database``)."""
    from hub.store.postgres import PostgresProcessedStore  # SQLAlchemy's PostgreSQL dialect only where it is used

    if not isinstance(store, PostgresProcessedStore):
        return None
    engine = store.engine
    return BackgroundProbe(PROCESSED_STORE, lambda: ping(engine), interval=interval, timeout=timeout)


def shared_database_probes(settings: HubSettings, *, interval: float = PROBE_INTERVAL,
                           timeout: float = PROBE_TIMEOUT) -> list[BackgroundProbe]:
    """The probes of the bulletin's, the nonce store's and the audit trail's databases when they are on a
    PostgreSQL server (a SQLite file is this machine's), not started; each on an engine of its own that holds no
    connection between checks."""
    named = {"bulletin_database": settings.bulletin.url, "nonce_store": nonce_store_url(settings),
             "audit_database": settings.audit.url}
    probes = []
    for name, url in named.items():
        if url is None or make_url(url).get_backend_name() != "postgresql":
            continue
        engine = create_engine(url, poolclass=NullPool, connect_args=postgres_connect_args(make_url(url)))
        probes.append(BackgroundProbe(name, partial(ping, engine), interval=interval, timeout=timeout))
    return probes
