"""A plain HTTP server on 127.0.0.1 for a test's receiving side (an event listener's call-back, a web page): the
handler class given, a free port, served from a daemon thread and shut down when the block ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["serving"]


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], name: str = "test-receiver") -> Iterator[int]:
    """Serve ``handler`` on a free 127.0.0.1 port (yielded) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
