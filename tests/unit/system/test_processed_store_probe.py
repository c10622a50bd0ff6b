"""The shared processed store's probe (audit-fresh repro 02): only the PostgreSQL store of ``[workers]
processed_store`` is probed (a SQLite file or memory lives with the worker); a worker process watches its probes for
``/readyz`` (``checks.processed_store``, status ``degraded``, the reason under ``failing``) and ``/metrics``
(``onepoint_dependency_up{dependency="processed_store"}``). The PostgreSQL side:
``tests/integration/test_processed_store_postgres_readyz.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest

from hub.observability.metrics import Metrics
from hub.observability.probes import BackgroundProbe
from hub.store import MemoryProcessedStore, open_store
from hub.system.health import PROCESSED_STORE, processed_store_probe
from hub.system.store_outage import hold_back_while_down
from hub.system.worker_probes import WorkerProbes

pytestmark = pytest.mark.unit


def test_a_sqlite_file_or_memory_is_not_probed(tmp_path: Path) -> None:
    memory = MemoryProcessedStore()
    assert processed_store_probe(memory) is None
    sqlite = open_store(f"sqlite:///{tmp_path / 'onepoint-nsp.sqlite3'}")
    try:
        assert processed_store_probe(sqlite) is None
        for store in (memory, sqlite):  # their claims are left as they are
            hold_back_while_down(store, BackgroundProbe(PROCESSED_STORE, lambda: None))
            assert not hasattr(store, "outage")
    finally:
        sqlite.close()


def test_a_worker_watches_the_stores_probe_for_readyz_and_metrics() -> None:
    up = [True]

    def check() -> None:
        if not up[0]:
            raise OSError("connection refused")

    metrics = Metrics()
    probes = WorkerProbes("nsp", lambda: True)
    probes.watch(None, metrics)  # nothing to check (a SQLite file)
    probe = BackgroundProbe(PROCESSED_STORE, check, interval=60)
    probes.watch(probe, metrics)
    try:
        assert probes.readiness() == (True, {"consumer": "nsp", "ready": True, "status": "ok",
                                             "checks": {"broker": True, "processed_store": True}})
        assert 'onepoint_dependency_up{dependency="processed_store"} 1.0' in generate_latest(metrics.registry).decode()
        up[0] = False
        probe.check_now()  # what the probe's thread does every few seconds
        ready, body = probes.readiness()
        assert ready and body["status"] == "degraded" and body["checks"]["processed_store"] is False
        assert body["failing"] == {"processed_store": "OSError: connection refused"}
        assert 'onepoint_dependency_up{dependency="processed_store"} 0.0' in generate_latest(metrics.registry).decode()
    finally:
        probes.stop()
