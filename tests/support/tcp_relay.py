"""A TCP relay on 127.0.0.1 in front of a server (RabbitMQ), which a test turns into a hung node at will.

``relay(port)`` forwards every connection it accepts to ``127.0.0.1:port`` until ``cut()`` drops them all (the
clients see their connection lost, as when a node goes). After ``go_silent()`` it accepts new connections and
never answers (``silent_relay()``: silent from the start, no server behind it), as a half-started or hung node
does: TCP is up, AMQP never is. ``accepted`` is set at each connection a silent relay takes, and
``closed_by_client()`` waits until the client closed every connection the silent relay took; ``taken`` counts every
connection the relay took (relayed or held). ``first_answer_delay`` (``relay(port, first_answer_delay=6.0)``, or set
at any time) holds the server's first answer on each new relayed connection that long: a healthy node slow to answer
its handshake (busy, a reconnect storm, a slow auth backend).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

__all__ = ["TcpRelay", "relay", "silent_relay"]


class TcpRelay:
    def __init__(self, target_port: int | None, first_answer_delay: float = 0.0) -> None:
        self._target = target_port
        self.first_answer_delay = first_answer_delay
        self.taken = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._relayed: list[socket.socket] = []
        self._held: list[socket.socket] = []  # taken while silent: never answered
        self._silent = target_port is None
        self._stop = threading.Event()
        self.accepted = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"relay-{self.port}", daemon=True)
        self._thread.start()

    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def cut(self) -> None:
        """Drop every relayed connection (both sides)."""
        with self._lock:
            relayed, self._relayed = self._relayed, []
        for sock in relayed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def go_silent(self) -> None:
        """From now on, take connections and never answer."""
        with self._lock:
            self._silent = True

    def closed_by_client(self, timeout: float) -> bool:
        """Whether the client closed every connection the relay took while silent (an EOF on each) in time."""
        deadline = time.monotonic() + timeout
        with self._lock:
            held = list(self._held)
        for sock in held:
            sock.settimeout(max(0.0, deadline - time.monotonic()))
            try:
                if sock.recv(65536) != b"":  # the AMQP protocol header: read it, then expect the end
                    sock.settimeout(max(0.0, deadline - time.monotonic()))
                    if sock.recv(65536) != b"":
                        return False
            except TimeoutError:
                return False
            except OSError:
                continue  # reset by the client: closed too
        return True

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._listener.close()
        self._thread.join(5)
        with self._lock:
            held, self._held = self._held, []
        for sock in held:
            sock.close()

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.taken += 1
                silent = self._silent
                if silent:
                    self._held.append(client)
            if silent:
                self.accepted.set()
                continue
            assert self._target is not None
            try:
                server = socket.create_connection(("127.0.0.1", self._target))
            except OSError:  # the server is down: so is the relayed connection
                client.close()
                continue
            with self._lock:
                self._relayed += [client, server]
            threading.Thread(target=self._pump, args=(client, server, self.first_answer_delay), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket, first_answer_delay: float) -> None:
        answered = first_answer_delay <= 0
        with client, server:
            pair = {client: server, server: client}
            while not self._stop.is_set():
                readable, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in readable:
                    try:
                        data = sock.recv(65536)
                        if not data:
                            return
                        if sock is server and not answered:
                            answered = True
                            self._stop.wait(first_answer_delay)
                        pair[sock].sendall(data)
                    except OSError:
                        return


@contextlib.contextmanager
def relay(target_port: int, first_answer_delay: float = 0.0) -> Iterator[TcpRelay]:
    """A relay to ``127.0.0.1:target_port`` (each connection's first answer held ``first_answer_delay`` s); closed
    afterwards."""
    tcp_relay = TcpRelay(target_port, first_answer_delay)
    try:
        yield tcp_relay
    finally:
        tcp_relay.close()


@contextlib.contextmanager
def silent_relay() -> Iterator[TcpRelay]:
    """A port that accepts TCP and never answers; closed afterwards."""
    tcp_relay = TcpRelay(None)
    try:
        yield tcp_relay
    finally:
        tcp_relay.close()
