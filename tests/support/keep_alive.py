"""A backend on 127.0.0.1 behind keep-alive connections that answers each request with what ``answer(body, n)``
gives (``n``: the request's number, from 1): HTTP bodies written one after the other on the connection, so a test
can leave a stray answer on it (two bodies for one request), as a backend that writes an answer twice does."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

__all__ = ["KeepAliveBackend"]


class KeepAliveBackend:
    """``url``'s port serves every connection in a thread of its own; ``connections`` and ``requests`` count them."""

    def __init__(self, answer: Callable[[bytes, int], list[bytes]], *, path: str = "/",
                 content_type: str = "text/xml; charset=utf-8") -> None:
        self.answer, self.content_type = answer, content_type
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}{path}"
        self.connections = 0
        self.requests = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            with connection, connection.makefile("rb") as reader:
                while reader.readline():
                    length = 0
                    while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
                        name, _, value = line.decode("latin-1").partition(":")
                        length = int(value) if name.strip().lower() == "content-length" else length
                    body = reader.read(length)
                    with self._lock:
                        self.requests += 1
                        number = self.requests
                    connection.sendall(b"".join(self._http(part) for part in self.answer(body, number)))
        except OSError:  # the client closed the connection (reset: a stray answer left unread)
            pass

    def _http(self, body: bytes) -> bytes:
        return (f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
                .encode() + body)

    def close(self) -> None:
        self.listener.close()
