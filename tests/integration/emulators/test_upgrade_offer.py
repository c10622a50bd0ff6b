"""An emulator keeps the body of a request that offers ``Upgrade: h2c``, as every Java 11+ ``HttpClient`` sends
over cleartext HTTP (interop audit, defect 1): the emulators serve on the hub's server configuration."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from emulators.toolkit.runner import start_server

pytestmark = pytest.mark.integration

JAVA_OFFER = (b"Connection: Upgrade, HTTP2-Settings\r\n"
              b"HTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAAAAAAQBAAAAAAUAAEAAAAYABgAA\r\n"
              b"Upgrade: h2c\r\nUser-Agent: Java-http-client/17.0.15\r\n")


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def test_an_emulator_keeps_the_body_of_an_h2c_offer() -> None:
    with start_server(echo, name="echo") as server, socket.create_connection(("127.0.0.1", server.port), 20) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: emulator\r\nContent-Type: text/xml\r\nContent-Length: 16\r\n"
                     + JAVA_OFFER + b"\r\n<soap:Envelope/>")
        answer = b""
        while not answer.endswith(b"\r\n\r\n<soap:Envelope/>"):
            chunk = sock.recv(65536)
            assert chunk, f"closed after {answer!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 ")
