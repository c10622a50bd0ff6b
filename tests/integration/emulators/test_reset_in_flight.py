"""A reset while requests are in flight: a request that arrived before ``/__admin/reset`` never changes the state
after it (one the application is running is waited for, one still waiting for a thread is not run), so the state
after a reset holds exactly what the journal shows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulators.toolkit import EmulatorApp, EmulatorHandle, EmulatorHooks, start_emulator

pytestmark = pytest.mark.integration

WAIT = 30.0  # a bound on waiting for a state change, never a timing assertion


def wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


class Counter:
    """The emulated system: a counter the requests bump, with signals of where each request is."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.arrived: dict[str, threading.Event] = {}
        self.inside: dict[str, threading.Event] = {}
        self.release = threading.Event()

    def operation(self, body: bytes, scope: Any) -> str:
        name = body.decode() or "none"
        self.arrived.setdefault(name, threading.Event()).set()  # the emulator took the request in
        return name

    def bump(self, name: str) -> None:
        self.inside.setdefault(name, threading.Event()).set()
        if name == "slow":
            self.release.wait(WAIT)
        with self.lock:
            self.count += 1

    def reset(self) -> None:
        with self.lock:
            self.count = 0


def wsgi_app(counter: Counter) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        counter.bump(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def asgi_app(counter: Counter) -> Any:
    import anyio.to_thread

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await anyio.to_thread.run_sync(counter.bump, body.decode())
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def emulator(counter: Counter, app: Any) -> EmulatorApp:
    hooks = EmulatorHooks(protocol="xml", operation=counter.operation, reset=counter.reset,
                          state=lambda: {"count": counter.count})
    return EmulatorApp(app, name="counter", hooks=hooks, wsgi_threads=1)


def send(handle: EmulatorHandle, name: str, answers: dict[str, Any]) -> threading.Thread:
    def call() -> None:
        try:
            answers[name] = httpx.post(handle.url("/"), content=name.encode(), timeout=WAIT).status_code
        except httpx.TransportError as exc:
            answers[name] = exc

    thread = threading.Thread(target=call)
    thread.start()
    return thread


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def wsgi(counter: Counter) -> Iterator[EmulatorHandle]:
    with start_emulator(emulator(counter, wsgi_app(counter))) as handle:
        yield handle


def reset_while(handle: EmulatorHandle, counter: Counter) -> threading.Thread:
    """Start a reset and wait until it has begun (the emulator counted it)."""
    before = handle.app.resets
    thread = threading.Thread(target=handle.admin.reset)
    thread.start()
    wait_for(lambda: handle.app.resets == before + 1, "the reset began")
    return thread


def test_requests_from_before_a_reset_leave_no_effect_after_it(wsgi: EmulatorHandle, counter: Counter) -> None:
    answers: dict[str, Any] = {}
    slow = send(wsgi, "slow", answers)  # runs in the application, held there
    wait_for(lambda: "slow" in counter.inside and counter.inside["slow"].is_set(), "slow inside the application")
    queued = send(wsgi, "queued", answers)  # arrived, waiting for the one WSGI thread
    wait_for(lambda: "queued" in counter.arrived, "queued taken in")
    reset = reset_while(wsgi, counter)
    counter.release.set()
    for thread in (slow, queued, reset):
        thread.join(WAIT)
    assert answers["slow"] == 200  # it was answered, its effect undone by the reset that waited for it
    assert isinstance(answers["queued"], httpx.TransportError)  # never run: its connection reset
    assert "queued" not in counter.inside
    assert wsgi.state()["count"] == 0 == wsgi.admin.count()
    assert httpx.post(wsgi.url("/"), content=b"after", timeout=WAIT).status_code == 200
    assert wsgi.state()["count"] == 1 == wsgi.admin.count("after")


def test_a_request_arriving_during_a_reset_runs_after_it_and_is_journalled(counter: Counter) -> None:
    with start_emulator(emulator(counter, asgi_app(counter))) as handle:
        answers: dict[str, Any] = {}
        slow = send(handle, "slow", answers)
        wait_for(lambda: "slow" in counter.inside and counter.inside["slow"].is_set(), "slow inside")
        reset = reset_while(handle, counter)
        during = send(handle, "during", answers)  # arrives while the reset waits for slow
        wait_for(lambda: "during" in counter.arrived, "during taken in")
        counter.release.set()
        for thread in (slow, during, reset):
            thread.join(WAIT)
        assert answers == {"slow": 200, "during": 200}
        assert handle.state()["count"] == 1 == handle.admin.count("during")
        assert handle.admin.count() == 1
