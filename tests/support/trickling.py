"""A server on 127.0.0.1 that answers slowly but steadily: it reads a request, sends ``at_once`` whole, then the
``trickled`` bytes one every ``every`` seconds (each well within a read timeout), for the deadline tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["trickling_server"]


@contextmanager
def trickling_server(trickled: bytes, *, at_once: bytes = b"", every: float = 0.2,
                     give_up: float = 30.0) -> Iterator[int]:
    """Yields the port; each connection gives up after ``give_up`` seconds without the client."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer(connection: socket.socket) -> None:
        with connection:
            connection.settimeout(give_up)
            received = b""
            try:
                while b"\r\n\r\n" not in received:
                    received += connection.recv(65536)
                if at_once:
                    connection.sendall(at_once)
                for byte in trickled:
                    if stop.wait(every):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
