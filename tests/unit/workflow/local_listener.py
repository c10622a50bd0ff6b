"""A call-back on 127.0.0.1 (a free port the system chooses) for the publisher's tests on real sockets: it records
each POST's event id and answers 204, or lets a test's ``answer`` do it (block, stream a body, ...)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hub.config.workflow import ListenerSettings

Answer = Callable[[BaseHTTPRequestHandler], None]
# [workflow.listeners] of the tests whose call-backs are on this machine (loopback is refused unless named)
LOOPBACK = ListenerSettings(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")))


class LocalListener:
    def __init__(self, answer: Answer | None = None) -> None:
        self.received: list[str] = []  # X-Event-Id of each POST, as it came
        self.arrived = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.arrived:
                    owner.received.append(self.headers.get("X-Event-Id") or "")
                    owner.arrived.notify_all()
                if answer is not None:
                    answer(self)
                    return
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event_id: str, *, limit: float = 20.0) -> bool:
        """True once ``event_id`` came (False if it has not within ``limit`` seconds: the test fails, not hangs)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: event_id in self.received, timeout=limit)

    def wait_for_count(self, count: int, *, limit: float = 20.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout=limit)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def local_listener(answer: Answer | None = None) -> Iterator[LocalListener]:
    made = LocalListener(answer)
    try:
        yield made
    finally:
        made.close()
