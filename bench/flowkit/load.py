"""Load generators of ``bench/flows.py``: a raw HTTP/1.1 keep-alive client over asyncio streams (a few µs per
request, so the client's own cost barely moves the figures), a closed loop (N connections, each sending its next
request when the last one is answered: throughput) and an open loop (requests started on a fixed schedule, each on
an idle connection or a new one, latency counted from the planned start: no coordinated omission)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BenchFailure", "Connection", "Load", "Request", "Target", "closed_loop", "open_loop"]

#: one request: (extra header lines, body) for the request number
Request = Callable[[int], tuple[str, bytes]]
#: raises BenchFailure when an answer (status, body) is not the expected one
Check = Callable[[int, bytes], None]
#: seconds an idle connection of the open loop may wait to be reused: below the servers' keep-alive timeout
#: (uvicorn's 5 s), after which the server closes it and a request sent on it meets the closed socket
IDLE_EXPIRY = 4.0


class BenchFailure(RuntimeError):
    """A check failed: an answer that is not the expected one, a process that did not start."""


@dataclass(frozen=True)
class Target:
    """Where requests go: ``POST http://127.0.0.1:{port}{path}``, answers checked by ``check``."""

    port: int
    path: str
    content_type: str
    check: Check


@dataclass(frozen=True)
class Load:
    """What a run measured: answers per second and latency percentiles (ms)."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    connections: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
        return cls(reader, writer)

    async def post(self, target: Target, headers: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1:{target.port}\r\nContent-Type: {target.content_type}"
            f"\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length, chunked = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return int(head.split(b" ", 2)[1]), await self.reader.readexactly(length)
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return int(head.split(b" ", 2)[1]), b"".join(p[:-2] for p in parts)

    def close(self) -> None:
        self.writer.close()


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else 0.0


def _load(latencies: list[float], seconds: float, connections: int) -> Load:
    latencies.sort()
    return Load(len(latencies), seconds, _percentile(latencies, 0.50), _percentile(latencies, 0.99), connections)


async def _exchange(connection: Connection, target: Target, request: Request, number: int) -> None:
    headers, body = request(number)
    status, answer = await connection.post(target, headers, body)
    if status != 200:
        raise BenchFailure(f"POST {target.path}: HTTP {status}: {answer[:400]!r}")
    target.check(number, answer)


async def _closed(target: Target, request: Request, total: int, connections: int, first: int) -> Load:
    numbers = itertools.count(first)
    latencies: list[float] = []
    pool = [await Connection.open(target.port) for _ in range(connections)]

    async def sender(connection: Connection) -> None:
        while (number := next(numbers)) < first + total:
            started = time.perf_counter()
            await _exchange(connection, target, request, number)
            latencies.append(time.perf_counter() - started)

    begun = time.perf_counter()
    try:
        await asyncio.gather(*(sender(c) for c in pool))
    finally:
        for connection in pool:
            connection.close()
    return _load(latencies, time.perf_counter() - begun, connections)


def closed_loop(target: Target, request: Request, *, total: int, connections: int, first: int = 0) -> Load:
    """``total`` requests (numbers ``first``…) over ``connections`` connections, each waiting for its answer."""
    return asyncio.run(_closed(target, request, total, connections, first))


async def _open(target: Target, request: Request, rate: float, seconds: float, first: int) -> Load:
    loop = asyncio.get_running_loop()
    idle: list[tuple[Connection, float]] = [(await Connection.open(target.port), loop.time()) for _ in range(4)]
    opened = len(idle)
    latencies: list[float] = []
    failures: list[BaseException] = []

    async def one(number: int, planned: float) -> None:
        nonlocal opened
        connection = None
        while idle and connection is None:
            connection, since = idle.pop()
            if loop.time() - since > IDLE_EXPIRY:  # the server may be closing it: never reused (as httpx does)
                connection.close()
                connection = None
        if connection is None:
            opened += 1
            connection = await Connection.open(target.port)
        try:
            await _exchange(connection, target, request, number)
        except BaseException as exc:  # reported after the run
            failures.append(exc)
            connection.close()
            return
        latencies.append(loop.time() - planned)
        idle.append((connection, loop.time()))

    count = int(rate * seconds)
    start = loop.time() + 0.05
    tasks = []
    for i in range(count):
        planned = start + i / rate
        delay = planned - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(first + i, planned)))
    await asyncio.gather(*tasks)
    for connection, _ in idle:
        connection.close()
    if failures:
        raise BenchFailure(f"{len(failures)} of {count} requests failed, the first: {failures[0]!r}")
    return _load(latencies, loop.time() - start, opened)


def open_loop(target: Target, request: Request, *, rate: float, seconds: float, first: int = 0) -> Load:
    """``rate`` requests/s for ``seconds`` on a fixed schedule; latencies from each request's planned start."""
    return asyncio.run(_open(target, request, rate, seconds, first))
