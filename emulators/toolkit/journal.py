"""The request journal: a fixed-size ring buffer of what an emulator received and answered.

Memory is bounded by construction: at most ``capacity`` entries, each holding at most ``body_cap`` bytes of
request body and of response body (the full sizes are kept as numbers). The oldest entry is dropped when the
journal is full. XPath queries run on the stored request bytes, parsed with the hardened parser of
:mod:`emulators.toolkit.xmlutil` (no DTD, no entities, no network); a truncated or unsafe body never matches.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from emulators.toolkit.xmlutil import UnsafeXMLError, parse_xml

__all__ = ["Journal", "JournalEntry", "JournalQuery", "XPathQueryError"]

DEFAULT_CAPACITY = 1_000
DEFAULT_BODY_CAP = 4_096


class XPathQueryError(ValueError):
    """The XPath expression or its namespaces are invalid (answered as HTTP 400)."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request as the emulator saw it. ``status`` is None when nothing was answered (reset, hang)."""

    seq: int
    time: float
    operation: str | None
    method: str
    path: str
    status: int | None
    latency: float
    request_body: bytes
    response_body: bytes
    request_size: int
    response_size: int
    faults: tuple[dict[str, Any], ...]

    @property
    def request_truncated(self) -> bool:
        return self.request_size > len(self.request_body)

    def to_json(self, *, bodies: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(),
            "timestamp": self.time,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "latency_ms": round(self.latency * 1000, 3),
            "request_size": self.request_size,
            "response_size": self.response_size,
            "request_truncated": self.request_truncated,
            "response_truncated": self.response_size > len(self.response_body),
            "faults": list(self.faults),
        }
        if bodies:
            out["request_body"] = self.request_body.decode("utf-8", "replace")
            out["response_body"] = self.response_body.decode("utf-8", "replace")
        return out


def _truthy(result: Any) -> bool:
    if isinstance(result, bool):
        return result
    if isinstance(result, float):
        return result != 0 and not math.isnan(result)
    if isinstance(result, str | bytes | list):
        return len(result) > 0
    return result is not None


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """A filter over journal entries; every given criterion must hold."""

    operation: str | None = None
    xpath: str | None = None
    namespaces: Mapping[str, str] | None = None
    status: int | None = None
    fault: str | None = None  # a fault kind, or "any" / "none"

    def compile(self) -> etree.XPath | None:
        if self.xpath is None:
            return None
        try:
            return etree.XPath(self.xpath, namespaces=dict(self.namespaces or {}), regexp=False, smart_strings=False)
        except (etree.XPathSyntaxError, TypeError, ValueError) as exc:
            raise XPathQueryError(f"invalid XPath {self.xpath!r}: {exc}") from exc

    def matcher(self) -> Any:
        compiled = self.compile()

        def matches(entry: JournalEntry) -> bool:
            if self.operation is not None and entry.operation != self.operation:
                return False
            if self.status is not None and entry.status != self.status:
                return False
            if self.fault is not None:
                kinds = {f["kind"] for f in entry.faults}
                wanted = bool(kinds) if self.fault == "any" else (not kinds if self.fault == "none" else None)
                if wanted is False or (wanted is None and self.fault not in kinds):
                    return False
            if compiled is not None:
                if entry.request_truncated:
                    return False
                try:
                    return _truthy(compiled(parse_xml(entry.request_body)))
                except UnsafeXMLError:
                    return False
                except etree.XPathError as exc:
                    raise XPathQueryError(f"XPath {self.xpath!r} failed: {exc}") from exc
            return True

        return matches


class Journal:
    """A thread-safe ring buffer of :class:`JournalEntry`."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, body_cap: int = DEFAULT_BODY_CAP) -> None:
        if capacity < 1 or body_cap < 0:
            raise ValueError("capacity must be >= 1 and body_cap >= 0")
        self.capacity = capacity
        self.body_cap = body_cap
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque()
        self._seq = 0
        self._stored = 0

    def record(
        self, *, time: float, operation: str | None, method: str, path: str, status: int | None, latency: float,
        request_body: bytes, response_body: bytes, faults: Iterable[dict[str, Any]] = (),
    ) -> JournalEntry:
        req, resp = request_body[: self.body_cap], response_body[: self.body_cap]
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, time, operation, method, path, status, latency, req, resp,
                                 len(request_body), len(response_body), tuple(faults))
            if len(self._entries) >= self.capacity:
                old = self._entries.popleft()
                self._stored -= len(old.request_body) + len(old.response_body)
            self._entries.append(entry)
            self._stored += len(req) + len(resp)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stored = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def total_recorded(self) -> int:
        """Requests recorded since start or the last reset, including those the ring buffer dropped."""
        with self._lock:
            return self._seq

    @property
    def stored_bytes(self) -> int:
        """Body bytes held right now; never more than ``capacity * 2 * body_cap``."""
        with self._lock:
            return self._stored

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stored = 0
            self._seq = 0

    def snapshot(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def select(self, query: JournalQuery | None = None, *, limit: int | None = None) -> list[JournalEntry]:
        """Entries matching ``query``, oldest first; with ``limit``, only the newest ``limit`` of them."""
        entries = self.snapshot()
        if query is not None:
            matches = query.matcher()
            entries = [e for e in entries if matches(e)]
        if limit is not None:
            entries = entries[-limit:] if limit > 0 else []
        return entries

    def count(self, query: JournalQuery | None = None) -> tuple[int, dict[str, int]]:
        """How many entries match, in total and per operation (``""`` for requests without one)."""
        by_operation: dict[str, int] = {}
        selected = self.select(query)
        for entry in selected:
            key = entry.operation or ""
            by_operation[key] = by_operation.get(key, 0) + 1
        return len(selected), by_operation
