"""A real HTTP receiver on 127.0.0.1 standing in for the hub: records every POST, answers 202 (or scripted codes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import running_asgi

ACK = (b'<?xml version="1.0" encoding="UTF-8"?><c:Ack xmlns:c="urn:onepoint:common:1"><c:MessageId>x</c:MessageId>'
       b"<c:Status>ACCEPTED</c:Status><c:ReceivedAt>2026-11-23T09:00:00+08:00</c:ReceivedAt></c:Ack>")


@dataclass
class Received:
    path: str
    authorization: str | None
    content_type: str | None
    body: bytes

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    @property
    def command(self) -> str:
        return etree.QName(self.root).localname


@dataclass
class Receiver:
    url: str = ""
    posts: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 202
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, command: str) -> list[Received]:
        with self.lock:
            return [p for p in self.posts if p.command == command]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """A bounded poll for something to arrive (not a timing assertion)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    def wait_command(self, command: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        assert self.wait_for(lambda: len(self.of(command)) >= count, timeout), (
            f"expected {count} {command} call-back(s), got {[p.command for p in self.posts]}")
        return self.of(command)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    async def record(request: Request) -> Response:
        body = await request.body()
        with receiver.lock:
            receiver.posts.append(Received(request.url.path, request.headers.get("authorization"),
                                           request.headers.get("content-type"), body))
            status = receiver.statuses.pop(0) if receiver.statuses else 202
        return Response(ACK if status < 300 else b"busy", status_code=status, media_type="application/xml")

    app = Starlette(routes=[Route("/xml/{system}", record, methods=["POST"])])
    with running_asgi(app) as url:
        receiver.url = url
        yield receiver
