"""The hub's consumer as its own process, for ``bench/backbone.py`` (not run by hand).

    python bench/pipeline/worker.py URL PREFIX SQLITE_PATH PREFETCH THREADS

Consumes ``<PREFIX>.workflow`` with ``Broker.consume`` → ``process_once`` (SQLite store, effect
``envelope_from_message``) → ack, from start to end. Protocol on stdin/stdout, one line each: it prints
``ready``; ``expect N`` → ``armed``, then ``done HANDLED DUPLICATES`` once N more deliveries were handled. EOF on
stdin closes it.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hub.routing import envelope_from_message
from hub.store import open_store, process_once
from hub.transport import Delivery, Message, TopologyConfig, open_broker


def _effect(message: Message) -> str:
    envelope_from_message(message)
    return "done"


def main() -> None:
    url, prefix, db, prefetch, threads = sys.argv[1:6]
    broker = open_broker(url, TopologyConfig(prefix=prefix))
    store = open_store(f"sqlite:///{db}")
    lock = threading.Lock()
    state = {"handled": 0, "duplicates": 0, "target": -1}

    def report() -> None:
        print(f"done {state['handled']} {state['duplicates']}", flush=True)

    def handle(delivery: Delivery) -> None:
        ran = process_once(store, delivery, _effect)
        with lock:
            state["handled"] += 1
            state["duplicates"] += not ran
            if state["handled"] == state["target"]:
                report()

    consumer = broker.consume(broker.config.queue("workflow"), handle, prefetch=int(prefetch),
                              concurrency=int(threads))
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            word, _, count = line.partition(" ")
            if word == "expect":
                with lock:
                    state["target"] = state["handled"] + int(count)
                    print("armed", flush=True)
                    if state["handled"] >= state["target"]:
                        report()
    finally:
        consumer.close()
        broker.close()
        store.close()


if __name__ == "__main__":
    main()
