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

STREAMED = [b"<part>%d</part>\n" % n for n in range(4)]


class Echo:
    """An ASGI app answering ``<method> <path> <length> <body>``; ``/hold`` waits for ``release`` first, ``/late``
    waits ``late`` seconds before it reads the body, ``/stream`` answers ``STREAMED`` in chunks ``late`` seconds
    apart; it records the requests whose client went away."""

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
        if scope["path"] == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})  # chunked
            for piece in STREAMED:
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                await asyncio.sleep(self.late)
            await send({"type": "http.response.body", "body": b""})
            return
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
    """One response read off ``sock``: status, headers (lower-case names), body (by its Content-Length). Reads no
    byte past it: pipelined responses that arrive in one segment are left for the next call."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        assert byte, f"the connection closed before a response: {head!r}"
        head += byte
    lines = head[:-4].decode().split("\r\n")
    headers = dict((name.lower(), value.strip()) for name, value in (line.split(":", 1) for line in lines[1:]))
    body = b""
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(int(headers["content-length"]) - len(body))
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
            assert (status, body) == (400, b"This server is no proxy and does not support CONNECT: send requests to "
                                           b"it directly.")


def test_pipelined_requests_each_offering_h2c_are_all_declined_and_answered_in_order() -> None:
    """Three requests with Java's offer in one packet (the second and third inside the first one's replayed bytes),
    then a plain one: each answered in turn, none refused (audit 8, defect 1)."""
    with serving(Echo()) as port, connect(port) as sock:
        chunked = (b"POST /third HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n" + JAVA_OFFER
                   + b"\r\n3\r\n<c/\r\n1\r\n>\r\n0\r\n\r\n")
        sock.sendall(post(b"/first", b"<a/>", JAVA_OFFER) + post(b"/second", b"<b/>", JAVA_OFFER) + chunked
                     + b"GET /fourth HTTP/1.1\r\nHost: hub\r\n\r\n")
        answers = [response(sock)[:3:2] for _ in range(4)]
        assert answers == [(200, b"POST /first 4 <a/>"), (200, b"POST /second 4 <b/>"), (200, b"POST /third 4 <c/>"),
                           (200, b"GET /fourth 0 ")]


def test_a_connection_over_the_cap_must_show_a_probe_head_at_once_or_is_closed() -> None:
    """Connections stalled mid-head over the cap are closed long before the read deadline, so they cannot hold the
    process's descriptors; a probe over the cap is answered, then its connection closed (audit 8, defect 3)."""
    with serving(Echo(), max_connections=2) as port:
        stalled = [connect(port) for _ in range(2)]
        for sock in stalled:
            sock.sendall(b"GET /xml/workorder HTTP/1.1\r\nHost: hub\r\n")  # under the cap: the read deadline's
        with connect(port) as third:
            third.sendall(b"GET /xml/workorder HTTP/1.1\r\nHost: hub\r\n")
            third.settimeout(10)  # the read deadline is 30 s: closed without an answer well before it
            assert third.recv(100) == b""
        with connect(port) as probe:
            probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
            assert response(probe)[:3:2] == (200, b"GET /healthz 0 ")
            probe.settimeout(10)
            assert closed(probe)
        for sock in stalled:
            sock.close()


def test_the_clients_time_starts_again_when_the_server_hands_it_the_turn() -> None:
    """The app asks for the body late in the read deadline: the client has the whole ``read_timeout`` again from
    the ``100 Continue`` / from reading resumed, not what was left of it (audit 8, defect 4)."""
    with serving(Echo(late=1.6), read_timeout=2.0) as port:
        with connect(port) as sock:
            sock.sendall(b"POST /late HTTP/1.1\r\nHost: hub\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
            time.sleep(1.0)  # the client's own time: half its read_timeout
            sock.sendall(b"<a/>")
            assert response(sock)[:3:2] == (200, b"POST /late 4 <a/>")
        with connect(port) as sock:
            big = b"x" * 200_000
            head = b"POST /late HTTP/1.1\r\nHost: hub\r\nContent-Length: %d\r\n\r\n" % len(big)
            sock.sendall(head + big[:100_000])  # past uvicorn's high-water mark: reading paused until the app asks
            time.sleep(2.6)  # the app asked at 1.6 s; one second of the client's time since
            sock.sendall(big[100_000:])
            status, _, body = response(sock)
            assert (status, len(body)) == (200, len(b"POST /late 200000 ") + len(big))


def test_a_408_is_never_written_inside_a_response_still_being_streamed() -> None:
    """The next request, pipelined while a chunked response streams, stalls mid-head past the deadline: the
    streamed response ends whole, then the connection is closed (audit 8, defect 5)."""
    with serving(Echo(late=0.4), read_timeout=0.5) as port, connect(port) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: hub\r\n\r\n")
        time.sleep(0.1)
        sock.sendall(b"GET /next HTTP/1.1\r\nHo")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    assert body == b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in STREAMED) + b"0\r\n\r\n"


def test_an_idle_connection_is_kept_longer_than_uvicorns_5_s_and_every_answer_says_how_long() -> None:
    """A pooled connection idle 6 s got no answer to its next request (uvicorn's 5 s keep-alive closed it as the
    request was sent: the soak's 'Connection reset by peer' at the ingress, 'Server disconnected without sending
    a response' from BOSS); now kept 75 s by default, announced so a client's pool lets it go first."""
    with serving(Echo()) as port, connect(port) as sock:
        sock.sendall(b"GET /first HTTP/1.1\r\nHost: hub\r\n\r\n")
        status, headers, _ = response(sock)
        assert status == 200 and headers["keep-alive"] == "timeout=75"
        time.sleep(6)
        sock.sendall(post(b"/xml/boss", b"<a>after a pause</a>"))
        assert response(sock)[2] == b"POST /xml/boss 20 <a>after a pause</a>"
    with serving(Echo(), keep_alive=2) as port, connect(port) as sock:  # [server] keep_alive_seconds = 2
        sock.sendall(b"GET /first HTTP/1.1\r\nHost: hub\r\n\r\n")
        assert response(sock)[1]["keep-alive"] == "timeout=2"
