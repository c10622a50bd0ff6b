"""The hub's consumer as its own process, for ``bench/backbone.py`` (not run by hand).

    python bench/pipeline/worker.py URL PREFIX SQLITE_PATH PREFETCH THREADS MAX_BATCH INLINE GC_TUNING

Consumes ``<PREFIX>.workflow`` from start to end with the SQLite store (effect ``envelope_from_message``):
MAX_BATCH 1: ``Broker.consume`` → ``process_once`` → ack, one message at a time; MAX_BATCH > 1:
``Broker.consume_batches`` → ``process_batch_once`` (one commit per batch) → acks, on the connection's
thread when INLINE is 1. GC_TUNING 1 tunes the garbage collector as ``onepoint worker`` does. Protocol on stdin/stdout,
one line each: it prints ``ready``; ``expect N`` → ``armed``, then ``done HANDLED DUPLICATES`` once N more
deliveries were handled. EOF on stdin closes it.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.pipeline.hub import effect
from hub.config import HubSettings, tune_garbage_collector
from hub.store import open_store, process_batch_once, process_once
from hub.transport import Delivery, TopologyConfig, open_broker


def main() -> None:
    url, prefix, db, prefetch, threads, max_batch, inline, gc_tuning = sys.argv[1:9]
    broker = open_broker(url, TopologyConfig(prefix=prefix))
    store = open_store(f"sqlite:///{db}")
    lock = threading.Lock()
    state = {"handled": 0, "duplicates": 0, "target": -1}

    def report() -> None:
        print(f"done {state['handled']} {state['duplicates']}", flush=True)

    def count(handled: int, duplicates: int) -> None:
        with lock:
            before = state["handled"]
            state["handled"] += handled
            state["duplicates"] += duplicates
            if before < state["target"] <= state["handled"]:
                report()

    def handle(delivery: Delivery) -> None:
        ran = process_once(store, delivery, effect)
        count(1, not ran)

    def handle_batch(batch: list[Delivery]) -> None:
        result = process_batch_once(store, batch, effect)
        count(result.ran + result.duplicates, result.duplicates)

    queue = broker.config.queue("workflow")
    if int(max_batch) > 1:
        consumer = broker.consume_batches(queue, handle_batch, max_batch=int(max_batch), prefetch=int(prefetch),
                                          concurrency=int(threads), inline=inline == "1")
    else:
        consumer = broker.consume(queue, handle, prefetch=int(prefetch), concurrency=int(threads))
    if gc_tuning == "1":  # as `onepoint worker` does once started
        tune_garbage_collector(HubSettings().gc_young_threshold)
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            word, _, number = line.partition(" ")
            if word == "expect":
                with lock:
                    state["target"] = state["handled"] + int(number)
                    print("armed", flush=True)
                    if state["handled"] >= state["target"]:
                        report()
    finally:
        consumer.close()
        broker.close()
        store.close()


if __name__ == "__main__":
    main()
