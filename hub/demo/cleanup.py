"""After a demo on RabbitMQ: remove the queues and exchanges it declared under its own prefix, so a shared broker
is left as it was found. Nothing else on the broker is touched (the names come from the demo's topology).

A stage's clean-up (``uninterrupted``) is not broken off by a second Ctrl-C or SIGTERM: the signal is held until it
is done; what it could not remove is said on the exception that ends the run (``note_left_behind``,
``left_behind``), so the command never claims a removal that did not happen.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

from hub.transport.topology import Topology, TopologyConfig
from hub.transport.urls import node_urls, scheme

__all__ = ["LEFT_BEHIND", "left_behind", "note_left_behind", "remove_topology", "uninterrupted"]

log = logging.getLogger("onepoint.demo")


def remove_topology(broker_url: str, config: TopologyConfig) -> bool:
    """Delete the demo's queues and exchanges (first reachable node); False, logged, if it could not."""
    if scheme(broker_url) == "memory":
        return True  # the embedded broker went with the demo's process
    import pika

    topology = Topology.build(config)
    for url in node_urls(broker_url):
        try:
            connection = pika.BlockingConnection(pika.URLParameters(url))
        except Exception as exc:  # the next node, if any
            log.warning("broker node unreachable for the demo's clean-up", extra={"error": str(exc)})
            continue
        try:
            channel = connection.channel()
            for queue in topology.queues:
                channel.queue_delete(queue.name)
            for exchange in topology.exchanges:
                channel.exchange_delete(exchange.name)
            return True
        except Exception as exc:
            log.warning("the demo's queues were not all removed", extra={"prefix": config.prefix, "error": str(exc)})
            return False
        finally:
            if connection.is_open:
                connection.close()
    return False


LEFT_BEHIND = "left behind: "  # the prefix of an exception's note naming what a stage's clean-up could not remove


@contextmanager
def uninterrupted() -> Iterator[list[str]]:
    """Run the body (a stage's clean-up) with SIGINT and SIGTERM held: a signal arriving meanwhile does not break
    the clean-up off half-way but is noted (its name in the list yielded) for the caller to act on afterwards. The
    handlers in place before are restored on leaving. Outside the main thread (no signal is delivered there) it
    holds nothing."""
    held: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, hold) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def note_left_behind(exc: BaseException, left: Iterable[str]) -> None:
    """Say on ``exc`` (the interrupt or error that ends the run) what the clean-up left behind."""
    for what in left:
        exc.add_note(f"{LEFT_BEHIND}{what}")


def left_behind(exc: BaseException) -> list[str]:
    """What ``note_left_behind`` said on ``exc`` ([] when the clean-up removed everything)."""
    return [note[len(LEFT_BEHIND):] for note in getattr(exc, "__notes__", ()) if note.startswith(LEFT_BEHIND)]
