"""ASGI plumbing of the emulator wrapper: telling ASGI from WSGI apps, calling an ASGI app with a buffered
request and collecting its whole answer, sending a buffered answer, holding a request unanswered (hang),
waiting for the client to leave, running slow work in a thread that learns when its client left."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

from emulators.toolkit.clock import Releaser
from emulators.toolkit.wsgi import BufferedResponse

__all__ = ["ASGIApp", "Scope", "call_asgi", "hold", "in_thread_until_disconnect", "is_asgi", "send_buffered",
           "until_disconnect"]

T = TypeVar("T")

ASGIApp = Callable[..., Any]
Scope = dict[str, Any]


def is_asgi(app: Any) -> bool:
    call = type(app).__call__ if not inspect.isfunction(app) and not inspect.ismethod(app) else app
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


async def until_disconnect(receive: Callable[[], Any]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def in_thread_until_disconnect(work: Callable[[threading.Event], T], receive: Callable[[], Any]) -> T:
    """``work(abandoned)`` in a worker thread (the request's body already read); ``abandoned`` is set as soon as
    the client goes away, so that work can stop early rather than run for nobody."""
    abandoned = threading.Event()
    watcher = asyncio.ensure_future(until_disconnect(receive))

    def gone(task: asyncio.Future[None]) -> None:
        if not task.cancelled():
            abandoned.set()

    watcher.add_done_callback(gone)
    try:
        return await anyio.to_thread.run_sync(work, abandoned)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def hold(releaser: Releaser, receive: Callable[[], Any], limit: float) -> str:
    """Hold a request without answering: ``released`` (reset, shutdown), ``timeout`` or ``disconnected``."""
    waiter = asyncio.ensure_future(releaser.wait(limit))
    watcher = asyncio.ensure_future(until_disconnect(receive))
    try:
        done, _ = await asyncio.wait({waiter, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiter, watcher):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if watcher in done:
        return "disconnected"
    return "released" if waiter.result() else "timeout"


async def send_buffered(send: Callable[[dict[str, Any]], Any], resp: BufferedResponse) -> None:
    await send({"type": "http.response.start", "status": resp.status, "headers": resp.headers})
    await send({"type": "http.response.body", "body": resp.body})


async def call_asgi(app: ASGIApp, scope: Scope, body: bytes, receive: Callable[[], Any]) -> BufferedResponse:
    """Call ``app`` with ``body`` as the whole request; its whole answer (500 if it never started one)."""
    resp = BufferedResponse(500)
    chunks: list[bytes] = []
    delivered = False

    async def app_receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # type: ignore[no-any-return]

    async def app_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            resp.status = message["status"]
            resp.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, app_receive, app_send)
    resp.body = b"".join(chunks)
    return resp
