"""Real servers for tests, always on 127.0.0.1 and a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import uvicorn

from hub.config.settings import HubSettings
from tests.support.ports import free_port


def served_at(settings: HubSettings, port: int) -> HubSettings:
    """``settings`` of a hub `running_asgi` serves on ``port``: its WSDLs give clients that address."""
    return replace(settings, public_url=f"http://127.0.0.1:{port}")


@contextmanager
def running_asgi(app: Any, *, timeout: float = 10.0, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread (on ``port``, default a free one); yields its base URL; stops it
    afterwards."""
    port = free_port() if port is None else port
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
