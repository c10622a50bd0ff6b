"""The hub's workflow consumer as its own process, as ``onepoint worker workflow`` runs it (not run by hand).

    python bench/workflowkit/hub_worker.py URL PREFIX DATABASE MSISDNS PREFETCH THREADS LOG_LEVEL BATCH

The real ``Worker`` with the workflow's handlers, its dependencies (``open_runtime``: SLA table, calendars,
taxonomy, the SQLite store) and ``WorkOrderProcessedStore``, the outbound path of ``onepoint worker`` (the
built-in routing table, the installed command sets' validator). The tiers of the bench's MSISDNS numbers are put
in the tier cache first (``TierLookup.remember``), as if BOSS had answered them. No deadline scheduler runs here.
``BATCH``: ``[workflow] worker_batch`` (the worker's batch mode, ``hub.workers.batch``; 1: one message at a time).
The mass-complaint rule is off (``mass_incidents = false``): the bench's one phenomenon from a thousand callers at
one intake point would open an incident and leave the work orders undispatched, which is not this measurement.
It logs as ``onepoint worker --log-level LOG_LEVEL`` does (INFO: a JSON line per message and command sent), to
stderr.
Prints ``ready``; EOF on stdin stops it.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.workflowkit.documents import TIERS, msisdn
from hub.config import HubSettings, tune_garbage_collector
from hub.config.workflow import WorkflowSettings
from hub.observability.logging import configure_logging
from hub.routing.factory import load_routing_table
from hub.routing.outbound import BrokerOutbound
from hub.transport import open_broker
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker
from hub.workflow import wiring
from hub.workflow.tiers import TierFacts


def main() -> None:
    url, prefix, database, msisdns, prefetch, threads, log_level, batch = sys.argv[1:9]
    configure_logging(log_level.upper())
    settings = replace(HubSettings(), broker_url=url, topology_prefix=prefix,
                       workflow=WorkflowSettings(database=f"sqlite:///{database}", scheduler_interval_seconds=0,
                                                 mass_incidents=False, worker_batch=int(batch)))
    deps = wiring.dependencies(settings)
    tiers = deps["workflow"].tiers
    for number in range(int(msisdns)):
        tiers.remember(TierFacts(msisdn(number), TIERS[number % len(TIERS)]))
    broker = open_broker(url, settings.topology)
    sets = CommandSetRegistry.installed()
    outbound = BrokerOutbound(broker, load_routing_table(settings, sets, broker),
                              DocumentValidator(sets, settings.limits))
    store = wiring.processed_store(deps)
    try:
        with Worker(broker, wiring.CONSUMER, wiring.handlers, store=store, dependencies=deps, outbound=outbound,
                    prefetch=int(prefetch), concurrency=int(threads)):
            tune_garbage_collector(settings.gc_young_threshold)
            print("ready", flush=True)
            sys.stdin.read()
    finally:
        broker.close()
        store.close()
        wiring.close(deps)


if __name__ == "__main__":
    main()
