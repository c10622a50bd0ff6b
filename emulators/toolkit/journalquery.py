"""Journal entries and queries: what one request left in the journal, which entries a filter matches, and how a
search over a journal is bounded.

XPath queries run on the stored request bytes, parsed with the hardened parser of :mod:`emulators.toolkit.xmlutil`
(no DTD, no entities, no network). A request stored truncated (over the journal's ``body_cap``) cannot be matched:
a search counts such entries as ``unsearchable`` instead of silently missing them. A search stops with
:class:`JournalQueryTimeout` once it has run for its time budget: its XPath is evaluated in a child process killed
when the budget is spent (:mod:`emulators.toolkit.xpathworker`), so even one costly expression over one large
request cannot run past it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from emulators.toolkit.xmlutil import UnsafeXMLError, parse_xml
from emulators.toolkit.xpathworker import XPathWorkerError, XPathWorkerTimeout, evaluate, truthy

__all__ = ["NO_OPERATION", "JournalEntry", "JournalQuery", "JournalQueryTimeout", "SearchResult", "XPathQueryError",
           "operation_label", "search"]

NO_OPERATION = "(none)"
"""The operation of a request that names none (a WSDL GET, a document the emulator cannot read): its key in the
journal's ``by_operation`` and in ``assert_called``'s failure message, and what ``operation=`` filters it by."""


def operation_label(operation: str | None) -> str:
    """The operation a journal count and filter name a request by."""
    return operation or NO_OPERATION


class XPathQueryError(ValueError):
    """The XPath expression or its namespaces are invalid (answered as HTTP 400)."""


class JournalQueryTimeout(XPathQueryError):
    """A search ran over its time budget (answered as HTTP 400 naming the budget)."""


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

    @property
    def stored(self) -> int:
        return len(self.request_body) + len(self.response_body)

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

    def prefilter(self, entry: JournalEntry) -> bool:
        """Every criterion but the XPath."""
        if self.operation is not None and operation_label(entry.operation) != self.operation:
            return False
        if self.status is not None and entry.status != self.status:
            return False
        if self.fault is not None:
            kinds = {f["kind"] for f in entry.faults}
            wanted = bool(kinds) if self.fault == "any" else (not kinds if self.fault == "none" else None)
            if wanted is False or (wanted is None and self.fault not in kinds):
                return False
        return True

    def xpath_matches(self, compiled: etree.XPath, entry: JournalEntry) -> bool:
        try:
            return truthy(compiled(parse_xml(entry.request_body)))
        except UnsafeXMLError:
            return False
        except etree.XPathError as exc:
            raise XPathQueryError(f"XPath {self.xpath!r} failed: {exc}") from exc

    def matcher(self) -> Any:
        """A predicate over entries (a truncated request never matches an XPath)."""
        compiled = self.compile()

        def matches(entry: JournalEntry) -> bool:
            if not self.prefilter(entry):
                return False
            if compiled is None:
                return True
            return not entry.request_truncated and self.xpath_matches(compiled, entry)

        return matches


@dataclass(slots=True)
class SearchResult:
    """The entries a query matched, and the entries it could not judge (request stored truncated)."""

    entries: list[JournalEntry] = field(default_factory=list)
    unsearchable: int = 0


def search(entries: Iterable[JournalEntry], query: JournalQuery | None, *, max_seconds: float | None = None,
           total: int | None = None, abandoned: threading.Event | None = None) -> SearchResult:
    """Run ``query`` over ``entries``; raises :class:`JournalQueryTimeout` after ``max_seconds`` (an XPath then
    runs in a child process, stopped at the deadline or when ``abandoned`` is set; without a budget it runs
    here)."""
    result = SearchResult()
    if query is None:
        result.entries = list(entries)
        return result
    compiled = query.compile()
    if compiled is None or max_seconds is None:
        for entry in entries:
            if not query.prefilter(entry):
                continue
            if compiled is not None:
                if entry.request_truncated:
                    result.unsearchable += 1
                    continue
                if not query.xpath_matches(compiled, entry):
                    continue
            result.entries.append(entry)
        return result
    deadline = time.monotonic() + max_seconds
    candidates: list[tuple[JournalEntry, bytes]] = []  # each with its request as the hardened parser read it
    for scanned, entry in enumerate(entries):
        if not query.prefilter(entry):
            continue
        if entry.request_truncated:
            result.unsearchable += 1
            continue
        with contextlib.suppress(UnsafeXMLError):  # not XML the emulators read: never matches
            candidates.append((entry, etree.tostring(parse_xml(entry.request_body))))
        if time.monotonic() > deadline:
            raise JournalQueryTimeout(_timeout_message(query, max_seconds, scanned + 1, total))
    try:
        matches = evaluate(query.xpath or "", query.namespaces, [doc for _, doc in candidates],
                           deadline - time.monotonic(), abandoned=abandoned)
    except XPathWorkerTimeout:
        raise JournalQueryTimeout(_timeout_message(query, max_seconds, len(candidates), total)) from None
    except XPathWorkerError as exc:
        raise XPathQueryError(str(exc)) from exc
    result.entries = [entry for (entry, _), matched in zip(candidates, matches, strict=True) if matched]
    return result


def _timeout_message(query: JournalQuery, max_seconds: float | None, scanned: int, total: int | None) -> str:
    of = f" of {total}" if total is not None else ""
    return (f"the journal query took over {max_seconds:g} s (XPath {query.xpath!r}, {scanned}{of} entries to check); "
            "narrow it with 'operation' or a cheaper XPath")
