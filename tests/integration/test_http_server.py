"""The server of the hub and the emulators (``hub.http.server``) as real clients meet it on a socket: a Java
client's ``Upgrade: h2c`` offer declined with the body kept, a request that stalls answered 408, connections over
the cap answered 503 but the probes, time the server itself keeps a body waiting not held against the client
(interop audit, defects 1 and 2)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from hub.http.server import server_config
from tests.support.ports import free_port

pytestmark = pytest.mark.integration

JAVA_OFFER = (b"Connection: Upgrade, HTTP2-Settings\r\n"
              b"HTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAAAAAAQBAAAAAAUAAEAAAAYABgAA\r\n"
              b"Upgrade: h2c\r\nUser-Agent: Java-http-client/17.0.15\r\n")  # what java.net.http.HttpClient adds


class Echo:
    """An ASGI app answering ``<method> <path> <length> <body>``; ``/hold`` waits for ``release`` first, ``/late``
    waits ``late`` seconds before it reads the body; it records the requests whose client went away."""

    def __init__(self, late: float = 0.0) -> None:
        self.late = late
        self.release = threading.Event()
        self.holding = 0
        self.gone: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/late":
            await asyncio.sleep(self.late)
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.gone.append(scope["path"])
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/hold":
            self.holding += 1
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        answer = b"%s %s %d " % (scope["method"].encode(), scope["path"].encode(), len(body)) + body
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})


@contextmanager
def serving(app: Any, **options: Any) -> Iterator[int]:
    port = free_port()
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                         **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the server started")
    try:
        yield port
    finally:
        app.release.set()
        server.should_exit = True
        thread.join(10)


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=20)


def response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response read off ``sock``: status, headers (lower-case names), body (by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = dict((name.lower(), value.strip()) for name, value in (line.split(":", 1) for line in lines[1:]))
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        assert chunk, "the connection closed inside a response"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def post(path: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return (b"POST %s HTTP/1.1\r\nHost: hub\r\nContent-Length: %d\r\n" % (path, len(body)) + extra + b"\r\n" + body)


def test_an_h2c_offer_is_declined_with_the_body_kept_and_the_connection_served_on() -> None:
    with serving(Echo()) as port, connect(port) as sock:
        sock.sendall(post(b"/xml/workorder", b"<a>whole</a>", JAVA_OFFER))
        status, headers, body = response(sock)
        assert (status, body) == (200, b"POST /xml/workorder 12 <a>whole</a>")
        assert "upgrade" not in headers  # declined: HTTP/1.1 it stays
        sock.sendall(b"POST /soap/workorder HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n" + JAVA_OFFER
                     + b"\r\n5\r\n<a>ch")  # chunked, the rest of it in a later packet
        time.sleep(0.05)
        sock.sendall(b"\r\n8\r\nunked/>\n\r\n0\r\n\r\n")
        status, _, body = response(sock)
        assert (status, body) == (200, b"POST /soap/workorder 13 <a>chunked/>\n")
        sock.sendall(b"GET /next HTTP/1.1\r\nHost: hub\r\n\r\n")  # the same connection, a plain request after them
        assert response(sock)[2] == b"GET /next 0 "


def test_a_body_that_stalls_is_answered_408_and_its_connection_closed() -> None:
    app = Echo()
    with serving(app, read_timeout=0.5) as port, connect(port) as sock:
        sock.sendall(b"POST /xml/workorder HTTP/1.1\r\nHost: hub\r\nContent-Length: 2000\r\n\r\n<wo:QueryWorkOrders")
        status, headers, body = response(sock)
        assert status == 408 and headers["connection"] == "close"
        assert body == (b"the request did not arrive whole within 0.5 s of its first byte: send the headers and the "
                        b"whole body without pausing\n")
        assert closed(sock)
        wait_until(lambda: app.gone == ["/xml/workorder"], "the app was told its client is gone")


def test_headers_that_stall_are_answered_408_and_a_silent_connection_is_closed() -> None:
    with serving(Echo(), read_timeout=0.5, timeout_keep_alive=1) as port:
        with connect(port) as sock:
            sock.sendall(b"POST /xml/workorder HTTP/1.1\r\nHost: hub\r\nContent-Le")
            assert response(sock)[0] == 408 and closed(sock)
        with connect(port) as sock:  # sends nothing at all: closed as an idle keep-alive connection is
            assert closed(sock)


def test_time_the_server_keeps_a_body_waiting_is_not_held_against_the_client() -> None:
    """The app reads the body only after three read deadlines: a large body (reading paused) and a client waiting
    for ``100 Continue`` are both served."""
    big = b"x" * 300_000
    with serving(Echo(late=1.5), read_timeout=0.5) as port:
        with connect(port) as sock:
            sock.sendall(post(b"/late", big))
            status, _, body = response(sock)
            assert (status, len(body)) == (200, len(b"POST /late 300000 ") + len(big))
        with connect(port) as sock:
            sock.sendall(b"POST /late HTTP/1.1\r\nHost: hub\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
            sock.sendall(b"<a/>")
            assert response(sock)[2] == b"POST /late 4 <a/>"


def test_over_the_cap_requests_are_answered_503_but_the_probes_are_answered() -> None:
    app = Echo()
    with serving(app, max_connections=2) as port:
        held = [connect(port), connect(port)]
        for sock in held:
            sock.sendall(post(b"/hold", b"<a/>"))
        wait_until(lambda: app.holding == 2, "both held requests reached the app")
        with connect(port) as third:
            third.sendall(post(b"/xml/workorder", b"<a/>"))
            status, headers, body = response(third)
            assert (status, headers["retry-after"], headers["connection"]) == (503, "1", "close")
            assert body == b"too many connections: this server holds at most 2 at once; try again in a moment\n"
            assert closed(third)
        for probe in (b"/readyz", b"/healthz"):
            with connect(port) as sock:
                sock.sendall(b"GET %s HTTP/1.1\r\nHost: hub\r\n\r\n" % probe)
                assert response(sock)[0] == 200
        app.release.set()
        for sock in held:
            assert response(sock)[2] == b"POST /hold 4 <a/>"
            sock.close()

        def served() -> bool:
            with connect(port) as sock:
                sock.sendall(post(b"/xml/workorder", b"<a/>"))
                return response(sock)[0] == 200
        wait_until(served, "a request is served once the held connections closed")


def test_a_websocket_offer_is_declined_as_any_other_and_connect_is_refused() -> None:
    with serving(Echo()) as port:
        with connect(port) as sock:
            sock.sendall(b"GET /ws HTTP/1.1\r\nHost: hub\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
            assert response(sock)[:3:2] == (200, b"GET /ws 0 ")
        with connect(port) as sock:
            sock.sendall(b"CONNECT hub:443 HTTP/1.1\r\nHost: hub:443\r\n\r\n")
            status, _, body = response(sock)
            assert (status, body) == (400, b"This server does not support CONNECT or protocol upgrades.")
