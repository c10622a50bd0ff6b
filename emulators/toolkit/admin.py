"""The admin API every emulator serves under ``/__admin/`` (JSON in, JSON out).

=========  ===============================  ==========================================================
method     path                             meaning
=========  ===============================  ==========================================================
GET        /__admin/health                  liveness, fault and journal figures
GET        /__admin/state                   the emulator's own snapshot (its ``state`` hook)
POST       /__admin/reset                   faults, journal, hangs and emulator state back to the start
                                            (the start-up faults installed again); body ``{"seed": 7}``
                                            (optional) changes the *fault* seed only (``seed`` in health
                                            and in the answer): the emulator's data keeps the seed it was
                                            started with (``data_seed``)
GET        /__admin/faults                  ``{"faults": [...]}``
POST       /__admin/faults                  add one fault (see :mod:`emulators.toolkit.faults`) -> 201
DELETE     /__admin/faults                  remove every fault
GET        /__admin/faults/{id}             one fault with its ``seen``/``fired`` counters
DELETE     /__admin/faults/{id}             remove one fault
GET        /__admin/journal                 entries, oldest first; filters below, ``limit`` (newest N),
                                            ``bodies=0`` to leave the bodies out
DELETE     /__admin/journal                 forget every entry
GET        /__admin/journal/count           ``{"count": n, "by_operation": {...}, "unsearchable": u,
                                            "dropped": d}`` for the filters
=========  ===============================  ==========================================================

Journal filters (query string): ``operation``, ``status``, ``fault`` (a fault kind, ``any`` or ``none``; an
operation the emulator does not know or a kind that does not exist is a 400 listing the known ones),
``xpath`` with namespaces as repeated ``ns=prefix=uri`` (e.g. ``ns=b=urn:onepoint:boss:1``). ``unsearchable``
counts requests the XPath could not judge (stored truncated, over ``body_cap``); ``dropped`` the entries the
journal pushed out since the last reset. Journal queries run in a worker thread, never on the server's event
loop; those with an XPath two at a time (a plain filter never waits for them), and stop with a 400 after the
emulator's ``journal_query_seconds``, or as soon as their client goes away. Errors are
``{"error": "..."}`` with 400, 404 or 405; a query parameter or a reset key the route does not take is a 400
naming it, never ignored.
"""

from __future__ import annotations

import json
import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol
from urllib.parse import parse_qs

from emulators.toolkit.clock import Clock
from emulators.toolkit.faults import FaultEngine, FaultSpecError
from emulators.toolkit.journal import Journal, JournalQuery, XPathQueryError
from emulators.toolkit.journalnames import UnknownJournalName, check_journal_names
from emulators.toolkit.journalparams import JournalParamError, flag_param, int_param, journal_query
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.logs import log_event
from emulators.toolkit.wsgi import BufferedResponse

__all__ = ["AdminAPI", "AdminError", "Administered", "json_response"]


class Administered(Protocol):
    """What the admin API reads and drives of an emulator (an ``EmulatorApp``), without importing it."""

    name: str
    clock: Clock
    faults: FaultEngine
    journal: Journal
    journal_query_seconds: float
    log: logging.Logger
    data_seed: int | str

    def health(self) -> dict[str, Any]: ...

    def state(self) -> dict[str, Any]: ...

    def reset(self, seed: int | str | None = None) -> None: ...


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_RESOURCES = {
    "GET /__admin/health": "liveness and the fault and journal figures",
    "GET /__admin/state": "the emulator's state (seeded numbers, tickets, items, ...)",
    "POST /__admin/reset": "back to the seeded start (body: {\"seed\": ...}, optional)",
    "GET|POST|DELETE /__admin/faults[/<id>]": "the faults injected: list, add, remove",
    "GET|DELETE /__admin/journal[/count]": "the requests received, or clear them (filters: operation, status, "
                                           "fault, xpath with ns=prefix=uri; limit, bodies)",
}


def json_response(status: int, payload: Any) -> BufferedResponse:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    return BufferedResponse(status, [(b"content-type", b"application/json"),
                                     (b"content-length", str(len(body)).encode())], body)


def _json_body(body: bytes, *, required: bool) -> Any:
    if not body.strip():
        if required:
            raise AdminError(400, "a JSON body is required")
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdminError(400, f"invalid JSON: {exc}") from exc
    except RecursionError:
        raise AdminError(400, "invalid JSON: nested too deeply") from None


class AdminAPI:
    """Routes ``/__admin/...`` requests of one emulator."""

    def __init__(self, emulator: Administered, *, concurrent_queries: int = 2) -> None:
        self.emulator = emulator
        self._queries = threading.BoundedSemaphore(concurrent_queries)

    @staticmethod
    def is_query(scope: dict[str, Any]) -> bool:
        """A journal read (``GET /__admin/journal...``): may be slow, so the caller runs it in a thread."""
        path: str = scope["path"]
        return scope["method"] == "GET" and (path.rstrip("/") + "/").startswith("/__admin/journal/")

    @staticmethod
    def is_reset(scope: dict[str, Any]) -> bool:
        """``POST /__admin/reset``: waits for the requests the application is running, so off the event loop."""
        return scope["method"] == "POST" and [p for p in scope["path"].split("/") if p] == ["__admin", "reset"]

    def handle(self, scope: dict[str, Any], body: bytes, abandoned: threading.Event | None = None) -> BufferedResponse:
        """The answer to one admin request; ``abandoned`` is set when its client goes away (a journal query with an
        XPath then stops)."""
        method: str = scope["method"]
        parts = [p for p in scope["path"].split("/") if p][1:]  # drop "__admin"
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        try:
            return self._route(method, parts, params, body, abandoned)
        except AdminError as exc:
            return json_response(exc.status, {"error": exc.message})
        except (FaultSpecError, XPathQueryError, UnknownJournalName, JournalParamError) as exc:
            return json_response(400, {"error": str(exc)})

    def _route(self, method: str, parts: list[str], params: dict[str, list[str]], body: bytes,
               abandoned: threading.Event | None) -> BufferedResponse:
        emu = self.emulator
        route = tuple(parts[:1]), len(parts)
        if not parts:  # the root the URL table prints: what is here
            self._allow(method, "GET")
            return json_response(200, {"resources": _RESOURCES})
        if route == (("health",), 1):
            self._allow(method, "GET")
            return json_response(200, emu.health())
        if route == (("state",), 1):
            self._allow(method, "GET")
            return json_response(200, emu.state())
        if route == (("reset",), 1):
            self._allow(method, "POST")
            payload = _json_body(body, required=False)
            if not isinstance(payload, dict):
                raise AdminError(400, "the reset body is a JSON object")
            problem = unknown_keys_problem(payload, ("seed",), where="the reset body")
            if problem:
                raise AdminError(400, problem)
            seed = payload.get("seed")
            if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | str)):
                raise AdminError(400, "'seed' must be an integer or a string")
            emu.reset(seed)
            return json_response(200, {"reset": True, "seed": emu.faults.seed, "data_seed": emu.data_seed})
        if parts[:1] == ["faults"] and len(parts) <= 2:
            return self._faults(method, parts[1] if len(parts) == 2 else None, body)
        if parts[:1] == ["journal"] and len(parts) <= 2:
            return self._journal(method, parts[1] if len(parts) == 2 else None, params, abandoned)
        raise AdminError(404, f"no admin resource /{'/'.join(['__admin', *parts])}")

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise AdminError(405, f"method {method} not allowed here (use {', '.join(allowed)})")

    def _faults(self, method: str, fault_id: str | None, body: bytes) -> BufferedResponse:
        # One clock reading serves both the new fault's window and the answer: read twice, a fault that starts
        # "now" would be answered inactive (its start later than the instant it is judged at).
        engine, now = self.emulator.faults, self.emulator.clock.now()
        if fault_id is None:
            self._allow(method, "GET", "POST", "DELETE")
            if method == "GET":
                return json_response(200, {"faults": [f.to_json(now) for f in engine.list()]})
            if method == "DELETE":
                engine.clear()
                log_event(self.emulator.log, logging.INFO, "fault.cleared", emulator=self.emulator.name)
                return json_response(200, {"cleared": True})
            fault = engine.add(_json_body(body, required=True), now=now)
            log_event(self.emulator.log, logging.INFO, "fault.added", emulator=self.emulator.name,
                      **fault.to_json(now))
            return json_response(201, fault.to_json(now))
        self._allow(method, "GET", "DELETE")
        if method == "DELETE":
            if not engine.remove(fault_id):
                raise AdminError(404, f"no fault {fault_id}")
            log_event(self.emulator.log, logging.INFO, "fault.removed", emulator=self.emulator.name, id=fault_id)
            return json_response(200, {"deleted": fault_id})
        found = engine.get(fault_id)
        if found is None:
            raise AdminError(404, f"no fault {fault_id}")
        return json_response(200, found.to_json(now))

    def _query(self, params: dict[str, list[str]], *, taken: tuple[str, ...] = ()) -> JournalQuery:
        """The filters of a journal read, refused when they name what cannot be in the journal."""
        query = journal_query(params, taken=taken)
        journal = self.emulator.journal
        check_journal_names(query, declared=self.emulator.faults.operations,
                            seen=lambda: {entry.operation for entry in journal.snapshot()})
        return query

    def _slot(self, query: JournalQuery) -> AbstractContextManager[Any]:
        """One of the few XPath slots for a query with an XPath (a child process, up to its time budget); none for
        the others: a plain count (what ``assert_called`` sends) is a scan of the journal in memory, and must not
        wait behind costly XPath queries."""
        return self._queries if query.xpath is not None else nullcontext()

    def _journal(self, method: str, sub: str | None, params: dict[str, list[str]],
                 abandoned: threading.Event | None) -> BufferedResponse:
        journal, seconds = self.emulator.journal, self.emulator.journal_query_seconds
        if sub == "count":
            self._allow(method, "GET")
            query = self._query(params)
            with self._slot(query):
                return json_response(200, journal.count_details(query, max_seconds=seconds, abandoned=abandoned))
        if sub is not None:
            raise AdminError(404, f"no admin resource /__admin/journal/{sub}")
        self._allow(method, "GET", "DELETE")
        if method == "DELETE":
            journal.clear()
            return json_response(200, {"cleared": True})
        limit = int_param(params, "limit", least=0)
        bodies = flag_param(params, "bodies", default=True)
        query = self._query(params, taken=("limit", "bodies"))
        with self._slot(query):
            entries = journal.select(query, limit=limit, max_seconds=seconds, abandoned=abandoned)
        return json_response(200, {
            "entries": [e.to_json(bodies=bodies) for e in entries],
            "capacity": journal.capacity, "recorded": journal.total_recorded,
        })
