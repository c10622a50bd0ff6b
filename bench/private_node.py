"""What the RabbitMQ benches share: a private node for the run, and SIGTERM ending a run as Ctrl-C does (so the
node is stopped on either)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from tests.support.rabbitmq_server import RabbitMQServer

__all__ = ["private_broker", "stop_on_sigterm"]


@contextlib.contextmanager
def private_broker() -> Iterator[str]:
    """A private RabbitMQ node on free 127.0.0.1 ports (its URL), stopped afterwards, also on errors."""
    server = RabbitMQServer()
    try:
        print(f"starting a private RabbitMQ node on 127.0.0.1:{server.port} ...", flush=True)
        yield server.start()
    finally:
        server.stop(hard=True)  # thrown away with its files: a graceful stop would only cost the run seconds
        server.close()
        print("private RabbitMQ node stopped", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def stop_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
