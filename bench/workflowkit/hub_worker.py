"""The hub's workflow consumer as its own process, as ``onepoint worker workflow`` runs it (not run by hand).

    python bench/workflowkit/hub_worker.py URL PREFIX DATABASE CALLERS PREFETCH THREADS LOG_LEVEL BATCH

The real ``Worker`` with the workflow's handlers, its dependencies (``open_runtime``: SLA table, calendars,
taxonomy, the SQLite store) and ``WorkOrderProcessedStore``, the outbound path of ``onepoint worker`` (the
built-in routing table, the installed command sets' validator). The callers in the JSON file CALLERS
(``workflowkit/callers.py``: tier and account manager as the BOSS emulator answers them) are put in the tier cache
first (``TierLookup.remember``), as if BOSS had answered them. No deadline scheduler runs here.
``BATCH``: ``[workflow] worker_batch`` (the worker's batch mode, ``hub.workers.batch``; 1: one message at a time).
The mass-complaint rule is off (``mass_incidents = false``): the bench plays many hours of a province's complaints
within seconds, so the rule's 30-minute window would count ten complaints of one phenomenon taken through one
channel in one area (its intake point when none is named) almost at once, and open incidents instead of
dispatching, which is not this measurement. The outage rule is on; with no outage notice in the store it answers
nothing (one query for the active notices per complaint of a category an outage can explain).
It logs as ``onepoint worker --log-level LOG_LEVEL`` does (INFO: a JSON line per message and command sent), to
stderr.
Prints ``ready``; EOF on stdin stops it.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.workflowkit.callers import read_callers
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


def main() -> None:
    url, prefix, database, callers, prefetch, threads, log_level, batch = sys.argv[1:9]
    configure_logging(log_level.upper())
    settings = replace(HubSettings(), broker_url=url, topology_prefix=prefix,
                       workflow=WorkflowSettings(database=f"sqlite:///{database}", scheduler_interval_seconds=0,
                                                 mass_incidents=False, worker_batch=int(batch)))
    deps = wiring.dependencies(settings)
    tiers = deps["workflow"].tiers
    for caller in read_callers(Path(callers)):
        tiers.remember(caller.facts)
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
