"""What bounds a call beyond its timeouts (the event publisher's choices, on real sockets on 127.0.0.1): name
resolution ends by the call's deadline, and a post's answer is read up to ``answer_limit`` and no further."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from hub.gateways.exchange import HttpExchange
from tests.unit.workflow.local_listener import LocalListener, local_listener

pytestmark = pytest.mark.unit

HUGE = 64 * 1024 * 1024


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """``slow-dns.test`` resolves (to 127.0.0.1) only once released; ``named.test`` at once."""
    asked, release = threading.Event(), threading.Event()
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.test":
            asked.set()
            release.wait(10)
        return real("127.0.0.1" if host in ("slow-dns.test", "named.test") else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield asked, release
    release.set()


def _port(listener: LocalListener) -> str:
    return listener.url.split(":")[2].split("/")[0]


def test_name_resolution_ends_by_the_posts_deadline(resolver: tuple[threading.Event, threading.Event]) -> None:
    asked, release = resolver
    with local_listener() as listener:
        url = f"http://slow-dns.test:{_port(listener)}/events"
        exchange = HttpExchange(url, httpx.Timeout(5.0, connect=5.0), deadline=0.3)
        try:
            with pytest.raises(httpx.ConnectTimeout, match=r"name resolution of 'slow-dns\.test'"):
                exchange.post(url, b"{}")
            assert asked.is_set() and not release.is_set()  # the resolver was still asked when the post ended
        finally:
            exchange.close()
        assert listener.received == []


def test_a_name_resolved_in_time_is_connected_to_within_a_deadline_and_without_one(
        resolver: tuple[threading.Event, threading.Event]) -> None:
    with local_listener() as listener:
        url = f"http://named.test:{_port(listener)}/events"
        exchange = HttpExchange(url, httpx.Timeout(5.0, connect=5.0), deadline=5.0)
        adapter_like = HttpExchange(url, httpx.Timeout(5.0, connect=5.0))
        try:
            assert exchange.post(url, b"{}", {"X-Event-Id": "one"}).status_code == 204
            response = adapter_like.send("POST", url, content=b"{}", headers={"X-Event-Id": "two"})
            response.read()
            response.close()
            assert response.status_code == 204
        finally:
            exchange.close()
            adapter_like.close()
        assert listener.received == ["one", "two"]


def test_a_post_keeps_answer_limit_bytes_of_the_answer_and_reads_no_further() -> None:
    written, finished = [0], threading.Event()

    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(HUGE))
        handler.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(HUGE // len(chunk)):
                handler.wfile.write(chunk)
                written[0] += len(chunk)
        except OSError:  # the hub closed the connection
            pass
        finally:
            finished.set()

    with local_listener(huge) as listener:
        exchange = HttpExchange(listener.url, httpx.Timeout(10.0, connect=5.0), deadline=30.0, answer_limit=4096)
        try:
            response = exchange.post(listener.url, b"{}")
        finally:
            exchange.close()
        assert response.status_code == 200 and response.content == b"x" * 4096
        assert finished.wait(20)
        assert written[0] < HUGE  # the rest was never read
