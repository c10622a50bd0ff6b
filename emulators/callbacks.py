"""Call-backs from an emulated system to the hub: ``POST {hub}/xml/<set>`` with ``Authorization: Bearer <token>``.

Used by NSP (NetworkComplaintReply, OutageNotice) and OA (CompleteTodo). :meth:`CallbackClient.submit` never
blocks: documents go into a bounded queue per command and one worker thread per command delivers them in order (a
reply waiting for the hub's verdict does not hold back an outage notice). Delivery is
retried (tenacity, exponential back-off, at least the hub's ``Retry-After``; ``attempts`` tries, and with
``retry_seconds`` for at least that long: a hub whose broker restarts answers 503 for as long as that takes, and a
reply given up after a few seconds left its work order waiting for good) on connection errors, timeouts, 429 and
5xx; a 4xx
answer is final (``rejected``: the hub refused the document or the caller), and so is a redirect (3xx: ``rejected``
with its Location named; never followed, so the document and its token go nowhere but the hub URL given). Only a
2xx is a delivery. NSP's NetworkComplaintReply is a request the hub answers with its workflow's verdict (200 taken,
422 refused: ``rejected``, the c:Error kept, never sent again; 504 not answered in time: sent again, the same
MessageId, and answered the verdict recorded for it), so a post waits ``timeout`` (20 s) for the answer: longer than
the hub's reply timeout (15 s), a slow verdict is waited for rather than asked again. Every outcome is logged and
kept in a bounded history that the emulators show in their state:

``queued`` -> ``delivered`` (2xx; ``duplicate`` when the hub says it had it) | ``rejected`` | ``failed`` (retries
exhausted) | ``abandoned`` (shut down or reset first); ``dropped`` when the queue was full; ``skipped`` when no hub
URL was configured (the document is still built and recorded).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    stop_all,
    wait_exponential,
)
from tenacity.stop import stop_base

from emulators.toolkit.logs import emulator_logger, log_event

__all__ = ["CallbackClient", "CallbackStopped"]


MAX_RETRY_AFTER = 60.0  # the longest Retry-After waited for; a longer one is waited in steps of it


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float:
    """The seconds of a ``Retry-After: <seconds>`` (an HTTP date or anything else: 0)."""
    try:
        return min(max(float(response.headers.get("retry-after", "")), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0


class CallbackStopped(Exception):
    """The client was closed or reset while a delivery waited to retry."""


@dataclass(slots=True)
class _Job:
    command_set: str
    document: bytes
    record: dict[str, Any]
    generation: int


class CallbackClient:
    """A non-blocking, bounded, retrying sender of command documents to the hub."""

    def __init__(
        self, hub_url: str | None, token: str | None = None, *, system: str, attempts: int = 5,
        retry_seconds: float = 0.0, backoff: float = 0.5, max_backoff: float = 10.0, timeout: float = 20.0,
        queue_size: int = 256, history: int = 500, transport: httpx.BaseTransport | None = None,
    ) -> None:
        if attempts < 1 or queue_size < 1 or retry_seconds < 0:
            raise ValueError("attempts and queue_size must be at least 1, retry_seconds at least 0")
        self.retry_seconds = retry_seconds
        self.hub_url = hub_url.rstrip("/") if hub_url else None
        self.system = system
        self.attempts, self.backoff, self.max_backoff = attempts, backoff, max_backoff
        self.log = emulator_logger(f"{system}.callbacks")
        headers = {"content-type": "application/xml"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._client_args: dict[str, Any] = {"headers": headers, "timeout": timeout, "transport": transport}
        self._queue_size = queue_size
        self._queues: dict[str, queue.Queue[_Job | None]] = {}  # per command: its documents in order
        self._workers: dict[str, threading.Thread] = {}
        self._history: deque[dict[str, Any]] = deque(maxlen=history)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._generation = 0

    # -- submitting ---------------------------------------------------------------------------------------------
    def submit(self, command_set: str, command: str, document: bytes, *, message_id: str, ref: str = "") -> str:
        """Queue one document for the hub; returns its first status (``queued``, ``skipped`` or ``dropped``)."""
        record: dict[str, Any] = {"message_id": message_id, "command": command, "ref": ref, "attempts": 0,
                                  "status": "queued", "http_status": None, "error": None}
        with self._lock:
            self._history.append(record)
            generation = self._generation
        if self.hub_url is None:
            return self._finish(record, "skipped", error="no hub URL configured")
        lane = self._ensure_worker(command)
        try:
            lane.put_nowait(_Job(command_set, document, record, generation))
        except queue.Full:
            return self._finish(record, "dropped", error="call-back queue full")
        return "queued"

    def history(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._history]

    def status_of(self, message_id: str) -> str | None:
        with self._lock:
            return next((r["status"] for r in reversed(self._history) if r["message_id"] == message_id), None)

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(1 for r in self._history if r["status"] == "queued")

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the history; deliveries still queued or waiting to retry are abandoned."""
        with self._lock:
            self._generation += 1
            self._history.clear()
        self._drain()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker: a retry wait ends at once, queued documents are abandoned."""
        self._stop.set()
        with self._lock:
            lanes = [(self._queues[command], worker) for command, worker in self._workers.items()]
            self._workers.clear()
        for lane, worker in lanes:
            if worker.is_alive():
                try:
                    lane.put_nowait(None)
                except queue.Full:
                    self._drain()
                    lane.put_nowait(None)
        for _lane, worker in lanes:
            worker.join(timeout)
        self._drain()

    def _drain(self) -> None:
        with self._lock:
            lanes = list(self._queues.values())
        for lane in lanes:
            while True:
                try:
                    job = lane.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    self._finish(job.record, "abandoned", error="reset or shut down before delivery")

    def _ensure_worker(self, command: str) -> queue.Queue[_Job | None]:
        """The queue of ``command``'s documents, its worker running."""
        with self._lock:
            lane = self._queues.setdefault(command, queue.Queue(self._queue_size))
            worker = self._workers.get(command)
            if worker is None or not worker.is_alive():
                self._stop.clear()
                name = f"callbacks-{self.system}-{command}"[:40]
                worker = threading.Thread(target=self._run, args=(lane,), name=name, daemon=True)
                self._workers[command] = worker
                worker.start()
            return lane

    # -- delivering ---------------------------------------------------------------------------------------------
    def _run(self, lane: queue.Queue[_Job | None]) -> None:
        with httpx.Client(**self._client_args) as client:
            while not self._stop.is_set():
                job = lane.get()
                if job is None:
                    return
                self._deliver(client, job)

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise CallbackStopped("shut down while waiting to retry")

    def _deliver(self, client: httpx.Client, job: _Job) -> None:
        url = f"{self.hub_url}/xml/{job.command_set}"
        stop: stop_base = stop_after_attempt(self.attempts)
        if self.retry_seconds:
            stop = stop_all(stop, stop_after_delay(self.retry_seconds))
        retrying = Retrying(stop=stop, reraise=True, sleep=self._sleep, wait=self._wait,
                            retry=retry_if_exception_type(_Retryable))
        try:
            response = retrying(self._post, client, url, job)
        except _Retryable as exc:
            self._finish(job.record, "failed", http_status=exc.status, error=str(exc))
            return
        except CallbackStopped as exc:
            self._finish(job.record, "abandoned", error=str(exc))
            return
        if response.is_redirect:  # not followed: the token would go to wherever it points
            where = response.headers.get("location") or "(no Location)"
            self._finish(job.record, "rejected", http_status=response.status_code,
                         error=f"the hub URL answered a redirect to {where[:300]}, not followed (the call-back and "
                               "its token go to --hub-url only): point --hub-url at the hub itself")
        elif not response.is_success:
            self._finish(job.record, "rejected", http_status=response.status_code, error=response.text[:500])
        else:
            status = "duplicate" if b"DUPLICATE" in response.content else "delivered"
            self._finish(job.record, status, http_status=response.status_code)

    def _wait(self, state: RetryCallState) -> float:
        """Exponential back-off, and at least the hub's ``Retry-After``."""
        backoff = wait_exponential(multiplier=self.backoff, max=self.max_backoff)(state)
        failure = state.outcome.exception() if state.outcome is not None else None
        return max(backoff, failure.retry_after if isinstance(failure, _Retryable) else 0.0)

    def _post(self, client: httpx.Client, url: str, job: _Job) -> httpx.Response:
        if job.generation != self._generation:
            raise CallbackStopped("reset before delivery")
        with self._lock:
            job.record["attempts"] += 1
        try:
            response = client.post(url, content=job.document)
        except httpx.HTTPError as exc:
            log_event(self.log, logging.WARNING, "callback.retry", message_id=job.record["message_id"],
                      attempt=job.record["attempts"], error=type(exc).__name__)
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            log_event(self.log, logging.WARNING, "callback.retry", message_id=job.record["message_id"],
                      attempt=job.record["attempts"], http_status=response.status_code)
            raise _Retryable(f"hub answered {response.status_code}", response.status_code, _retry_after(response))
        return response

    def _finish(self, record: dict[str, Any], status: str, *, http_status: int | None = None,
                error: str | None = None) -> str:
        with self._lock:
            record.update(status=status, http_status=http_status, error=error)
        level = logging.INFO if status in ("delivered", "duplicate", "skipped") else logging.WARNING
        log_event(self.log, level, f"callback.{status}", system=self.system, command=record["command"],
                  message_id=record["message_id"], ref=record["ref"], attempts=record["attempts"],
                  http_status=http_status)
        return status
