"""A listener that trickles its answer (a byte every 0.3 s, each well within the read timeout) holds back no other
listener and cannot hold a round past its delivery's deadline (connect + read timeout): real sockets on 127.0.0.1,
the trickling listener registered first."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.support.http_receiver import serving
from tests.support.trickling import trickling_server
from tests.unit.workflow.conftest import client, migrated_store, runtime  # noqa: F401 - the fixtures: a SQLite file, a ManualClock
from tests.unit.workflow.listener_kit import create, register
from tests.unit.workflow.local_listener import LOOPBACK

pytestmark = pytest.mark.integration

CONNECT_TIMEOUT, READ_TIMEOUT = 1.0, 2.0  # the deadline of one delivery: 3 s
TRICKLE_SECONDS = 30.0  # how long the trickling listener would go on answering
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n" + b" " * 40


@contextmanager
def trickling_listener() -> Iterator[str]:
    """A call-back on 127.0.0.1 that reads a request, then sends its answer (headers and body) a byte every 0.3 s."""
    with trickling_server(ANSWER, every=0.3, give_up=TRICKLE_SECONDS) as port:
        yield f"http://127.0.0.1:{port}/events"


@contextmanager
def healthy_listener() -> Iterator[tuple[str, list[float]]]:
    """A call-back on 127.0.0.1 that answers 204 at once; yields its URL and when (monotonic) each POST came."""
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals.append(time.monotonic())
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as port:
        yield f"http://127.0.0.1:{port}/events", arrivals


def test_a_trickling_listener_costs_the_others_nothing_and_ends_at_its_deadline(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:  # noqa: F811 - the fixtures
    assert isinstance(runtime.clock, ManualClock)
    runtime.listener_settings = LOOPBACK  # both listeners are on 127.0.0.1
    publisher = EventPublisher(runtime.store, runtime.clock, connect_timeout=CONNECT_TIMEOUT,
                               read_timeout=READ_TIMEOUT, settings=LOOPBACK)
    with trickling_listener() as slow_url, healthy_listener() as (healthy_url, arrivals):
        slow_id = register(client, slow_url)
        runtime.clock.advance(timedelta(seconds=1))  # served first: registered first
        healthy_id = register(client, healthy_url)
        create(client)
        started = time.monotonic()
        try:
            done = publisher.run_round()
        finally:
            took = time.monotonic() - started
            publisher.stop()
    deadline = CONNECT_TIMEOUT + READ_TIMEOUT
    assert len(arrivals) == 1 and arrivals[0] - started < deadline  # not after the trickling one's deadline
    assert took < READ_TIMEOUT * 3  # the trickling answer would take ~30 s: the deadline ended it
    assert [listener_id for listener_id, _event in done.delivered] == [healthy_id]
    assert [listener_id for listener_id, _event, _error in done.failed] == [slow_id]
    slow = runtime.store.listener(slow_id)
    assert slow is not None and slow.failures == 1 and "Timeout" in (slow.last_error or "")
    healthy = runtime.store.listener(healthy_id)
    assert healthy is not None and healthy.delivered_position == runtime.store.outbox_end()
