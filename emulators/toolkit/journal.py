"""The request journal: a fixed-size ring buffer of what an emulator received and answered.

Memory is bounded by construction: at most ``capacity`` entries, each holding at most ``body_cap`` bytes of
request body and of response body (the full sizes are kept as numbers), and at most ``max_stored_bytes`` of bodies
in all (the oldest entries are dropped first, as when the journal is full). ``body_cap`` defaults to the largest
document the hub's validator accepts (:class:`hub.validation.ParserLimits`), so every valid request is kept whole
and XPath queries (:mod:`emulators.toolkit.journalquery`) see it; a request stored truncated is reported as
``unsearchable`` by counts rather than silently not matching.

Each reset or clear starts a new *generation*: a request that started before it (held by a latency or hang
fault, say) and ends after it is not recorded, so a fresh journal never holds a request from before the reset.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from emulators.toolkit.journalquery import (
    JournalEntry,
    JournalQuery,
    JournalQueryTimeout,
    SearchResult,
    XPathQueryError,
    operation_label,
    search,
)
from hub.validation import ParserLimits

__all__ = ["Journal", "JournalEntry", "JournalQuery", "JournalQueryTimeout", "SearchResult", "XPathQueryError"]

DEFAULT_CAPACITY = 1_000
DEFAULT_BODY_CAP = ParserLimits().max_bytes  # the largest document the emulators accept (1 MiB)
DEFAULT_MAX_STORED_BYTES = 64 * 1024 * 1024


class Journal:
    """A thread-safe ring buffer of :class:`JournalEntry`."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, body_cap: int = DEFAULT_BODY_CAP,
                 max_stored_bytes: int = DEFAULT_MAX_STORED_BYTES) -> None:
        if capacity < 1 or body_cap < 0 or max_stored_bytes < 0:
            raise ValueError("capacity must be >= 1, body_cap and max_stored_bytes >= 0")
        self.capacity = capacity
        self.body_cap = body_cap
        self.max_stored_bytes = max_stored_bytes
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque()
        self._seq = 0
        self._stored = 0
        self._generation = 0
        self._dropped = 0

    @property
    def generation(self) -> int:
        """Changes at every reset and clear; give it to :meth:`record` as read when the request started."""
        with self._lock:
            return self._generation

    def record(
        self, *, time: float, operation: str | None, method: str, path: str, status: int | None, latency: float,
        request_body: bytes, response_body: bytes, faults: Iterable[dict[str, Any]] = (),
        generation: int | None = None,
    ) -> JournalEntry | None:
        """Record one request; None (nothing recorded) when it started before the last reset or clear."""
        req, resp = request_body[: self.body_cap], response_body[: self.body_cap]
        with self._lock:
            if generation is not None and generation != self._generation:
                return None
            self._seq += 1
            entry = JournalEntry(self._seq, time, operation, method, path, status, latency, req, resp,
                                 len(request_body), len(response_body), tuple(faults))
            self._entries.append(entry)
            self._stored += entry.stored
            while len(self._entries) > 1 and (len(self._entries) > self.capacity
                                              or self._stored > self.max_stored_bytes):
                self._stored -= self._entries.popleft().stored
                self._dropped += 1
        return entry

    def clear(self) -> None:
        """Forget every entry (the sequence numbers go on)."""
        with self._lock:
            self._entries.clear()
            self._stored = 0
            self._dropped = 0
            self._generation += 1

    def reset(self) -> None:
        """Forget every entry and restart the sequence numbers."""
        with self._lock:
            self._entries.clear()
            self._stored = 0
            self._seq = 0
            self._dropped = 0
            self._generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def total_recorded(self) -> int:
        """Requests recorded since start or the last reset, including those the ring buffer dropped."""
        with self._lock:
            return self._seq

    @property
    def dropped(self) -> int:
        """Entries pushed out (capacity, ``max_stored_bytes``) since the last reset or clear."""
        with self._lock:
            return self._dropped

    @property
    def stored_bytes(self) -> int:
        """Body bytes held right now; never more than ``max_stored_bytes`` (bar one entry) nor
        ``capacity * 2 * body_cap``."""
        with self._lock:
            return self._stored

    def snapshot(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def search(self, query: JournalQuery | None = None, *, max_seconds: float | None = None,
               abandoned: threading.Event | None = None) -> SearchResult:
        """Entries matching ``query``, oldest first, and how many could not be judged (see the module docstring).
        ``abandoned``: set when the caller went away (an XPath query is stopped)."""
        entries = self.snapshot()
        return search(entries, query, max_seconds=max_seconds, total=len(entries), abandoned=abandoned)

    def select(self, query: JournalQuery | None = None, *, limit: int | None = None,
               max_seconds: float | None = None, abandoned: threading.Event | None = None) -> list[JournalEntry]:
        """Entries matching ``query``, oldest first; with ``limit``, only the newest ``limit`` of them."""
        entries = self.search(query, max_seconds=max_seconds, abandoned=abandoned).entries
        if limit is not None:
            entries = entries[-limit:] if limit > 0 else []
        return entries

    def count(self, query: JournalQuery | None = None) -> tuple[int, dict[str, int]]:
        """How many entries match, in total and per operation (:data:`NO_OPERATION` for requests without one)."""
        details = self.count_details(query)
        return details["count"], details["by_operation"]

    def count_details(self, query: JournalQuery | None = None, *, max_seconds: float | None = None,
                      abandoned: threading.Event | None = None) -> dict[str, Any]:
        """``count``, ``by_operation``, ``unsearchable`` (requests stored truncated, which an XPath cannot judge)
        and ``dropped`` (entries the journal pushed out since the last reset or clear)."""
        with self._lock:
            entries, dropped = list(self._entries), self._dropped
        result = search(entries, query, max_seconds=max_seconds, total=len(entries), abandoned=abandoned)
        by_operation: dict[str, int] = {}
        for entry in result.entries:
            key = operation_label(entry.operation)
            by_operation[key] = by_operation.get(key, 0) + 1
        return {"count": len(result.entries), "by_operation": by_operation, "unsearchable": result.unsearchable,
                "dropped": dropped}
