"""The bulletin API for customer-service agents, authenticated like the XML ingress (HTTP Basic or bearer).

``GET /bulletin?agent=ID[&area=0755][&all=1][&limit=N][&after=CURSOR][&format=xml]`` → the active notices
(``all=1``: the cleared ones too), newest raised first, each with its ``edition`` and ``unread`` for that agent; at
most ``limit`` (1-500, default 200) a page, ``next`` the cursor of the following page (``after=``) when there is
one: the pages are in the order notices were raised, which a revision does not change, so a pass shows each notice
once; the top-level ``unread`` counts all the agent's unread notices under the filter, every page's.
``GET /bulletin?notice=ID[&format=xml]`` → that one notice (``{"notice": {...}}``): the page an outage notice's OA
to-read links to, readable by the systems in ``[bulletin] readers`` and ``notice_readers`` (default OA). JSON, or
XML when asked (``format=xml``, or Accept with q-values: ``bulletin_http``).
``POST /bulletin/{notice}/read?agent=ID[&edition=N | &revision=N]`` marks read the edition the agent was shown
(``edition``, from the list), or the first edition of ``revision`` (a correction or clearance that kept the
revision stays unread), or (neither) the current one.

Parameters are read strictly (``bulletin_http``: at most ``MOST_PARAMETERS``, only the endpoint's own, whole-value
patterns, each at most once, known values of ``all`` and ``format``), and only once the caller is authenticated.
Every answer is ``Vary: Accept`` and ``Cache-Control: private, no-store``. Only callers of the systems in
``[bulletin] readers`` (default ``CS``) may list and mark: 401 no or bad credentials · 429 throttled sign-ins · 403
another system · 400 a bad or unknown parameter (named) · 404 no such notice · 406 neither JSON nor XML acceptable ·
503 ``bulletin-busy`` (with Retry-After) when the board's database stayed locked by another writer: nothing was
written, ask again · 503 ``bulletin-unavailable`` (with Retry-After) when its database cannot be reached
(``[bulletin] database``, a shared PostgreSQL). (A method the route does not take is answered by the app's router.)
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.bulletin import BoardBusy, BulletinBoard, bulletin_json, bulletin_xml, entry_json, notice_xml
from hub.config.settings import BulletinSettings, CallerConfig
from hub.ingress.bulletin_http import ANSWER_HEADERS, JSON, BadParameter, NotAcceptable, Query, media_type
from hub.ingress.outcomes import QuietLog, refusal_for
from hub.ingress.refusals import REFUSAL_HEADER
from hub.ingress.xml.endpoint import CHALLENGE, XmlIngress
from hub.security.throttle import SignInThrottled

__all__ = ["BulletinAPI", "allowing"]

log = logging.getLogger("onepoint.ingress.bulletin")
AGENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # c:PartyId
AREA = re.compile(r"0[1-9][0-9]{1,2}")  # c:AreaCode
NOTICE = re.compile(r"(FLT|ADJ)-[0-9]{8}-[0-9]{4}")  # nsp:NoticeId
CURSOR = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,9})?)_((?:FLT|ADJ)-[0-9]{8}-[0-9]{4})")  # next page: raised_at_id
PAGE, MAX_PAGE = 200, 500
LIST = ("agent", "area", "all", "limit", "after", "format")  # the parameters each endpoint takes
ONE_NOTICE = ("notice", "format")
READ = ("agent", "edition", "revision")
RETRY_BUSY = 2  # seconds a caller refused with bulletin-busy is asked to wait
_busy = QuietLog("bulletin database locked by another writer: requests refused (503)")
_unreachable = QuietLog("bulletin database out of reach: requests refused (503)")


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status,
                        headers={REFUSAL_HEADER: code, **ANSWER_HEADERS, **(headers or {})})


def allowing(method: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request],
                                                                                  Awaitable[Response]]:
    """``endpoint`` for ``method`` (GET also answers HEAD); any other method is answered the API's JSON 405."""
    methods = {method, "HEAD"} if method == "GET" else {method}

    async def run(request: Request) -> Response:
        if request.method in methods:
            return await endpoint(request)
        return _problem(405, "method-not-allowed", f"{request.url.path} takes {method}, not {request.method}",
                        {"Allow": ", ".join(sorted(methods))})

    return run


def _answer(media: str, data: object, xml: Callable[[], bytes]) -> Response:
    if media == JSON:
        return JSONResponse(data, headers=dict(ANSWER_HEADERS))
    return Response(xml(), media_type=media, headers=dict(ANSWER_HEADERS))


class BulletinAPI:
    """The two endpoints; the board (``[bulletin] database`` or ``path``) is opened on first use, or given (tests,
    the system assembly)."""

    def __init__(self, settings: BulletinSettings, xml: XmlIngress, board: BulletinBoard | None = None) -> None:
        self.settings = settings
        self.xml = xml
        self._board = board
        self._owned = board is None
        self._lock = threading.Lock()

    def board(self) -> BulletinBoard:
        with self._lock:
            if self._board is None:
                self._board = BulletinBoard.from_settings(self.settings)
            return self._board

    def close(self) -> None:
        """Close the board this API opened itself."""
        with self._lock:
            if self._owned and self._board is not None:
                self._board.close()
                self._board = None

    async def _guarded(self, request: Request, run: Callable[[Request, CallerConfig], Response], *,
                       allowed: tuple[str, ...]) -> Response:
        """``run`` on a worker thread for a caller of the systems ``allowed``, authenticated first: nothing of the
        request but its credentials is read for a caller not yet known (its query string neither)."""
        try:
            caller = await self.xml.authenticate(request)
            if caller.system not in allowed:
                raise _Refused(403, "forbidden", f"system {caller.system} may not read the bulletin")
            return await run_in_threadpool(run, request, caller)
        except _Refused as exc:
            return _problem(exc.status, exc.code, str(exc))
        except BadParameter as exc:
            return _problem(400, exc.code, str(exc))
        except NotAcceptable as exc:
            return _problem(406, "not-acceptable", str(exc))
        except BoardBusy as exc:
            _busy.warn(path=request.url.path)
            return _problem(503, "bulletin-busy", f"{exc}: ask again in {RETRY_BUSY} seconds",
                            {"Retry-After": str(RETRY_BUSY)})
        except (OperationalError, InterfaceError) as exc:  # its database out of reach ([bulletin] database)
            _unreachable.warn(path=request.url.path, error=type(exc.orig).__name__)
            return _problem(503, "bulletin-unavailable", "the bulletin's database cannot be reached now; nothing "
                            f"was read or marked: ask again in {RETRY_BUSY} seconds", {"Retry-After": str(RETRY_BUSY)})
        except Exception as exc:
            refusal = refusal_for(exc, system="bulletin")
            if isinstance(exc, SignInThrottled):
                await self.xml.throttle.hold()
            headers = {**refusal.headers, **(CHALLENGE if refusal.status == 401 else {})}
            return _problem(refusal.status, refusal.code, refusal.message, headers)

    async def list_notices(self, request: Request) -> Response:
        """The list for ``readers``, one notice for ``notice_readers`` too (which one is asked is read once the
        caller is known: `_list`)."""
        return await self._guarded(request, self._list,
                                   allowed=(*self.settings.readers, *self.settings.notice_readers))

    async def mark_read(self, request: Request) -> Response:
        return await self._guarded(request, self._read, allowed=self.settings.readers)

    def _list(self, request: Request, caller: CallerConfig) -> Response:
        query = Query(request.url.query)  # a repeated notice= is 400 for OA as for CS, not 403
        if "notice" not in query.values and caller.system not in self.settings.readers:
            raise _Refused(403, "forbidden", f"system {caller.system} may read only the notices its links name "
                           "(?notice=ID), not the bulletin's list")
        if "notice" in query.values:
            query.only(ONE_NOTICE, "GET /bulletin?notice=ID")
            return self._one(query, media_type(query, request.headers.get("accept")))
        query.only(LIST, "GET /bulletin")
        media = media_type(query, request.headers.get("accept"))
        agent = query.text("agent", AGENT, required=True)
        assert agent is not None
        area = query.text("area", AREA, required=False)
        everything = query.flag("all")
        limit = query.number("limit", 1, MAX_PAGE) or PAGE
        cursor = query.text("after", CURSOR, required=False)
        after = None
        if cursor is not None:
            found = CURSOR.fullmatch(cursor)
            assert found is not None
            after = (float(found.group(1)), found.group(2))
        page = self.board().page(agent, area=area, include_cleared=everything, after=after, limit=limit)
        data = bulletin_json(agent, page.entries, unread=page.unread)
        if page.more:
            last = page.entries[-1]
            data["next"] = f"{last.raised_at!r}_{last.notice.notice_id}"
        return _answer(media, data, lambda: bulletin_xml(agent, page.entries, next_page=data.get("next"),
                                                         unread=page.unread))

    def _one(self, query: Query, media: str) -> Response:
        notice_id = query.text("notice", NOTICE, required=True)
        assert notice_id is not None
        entry = self.board().notice(notice_id)
        if entry is None:
            raise _Refused(404, "unknown-notice", f"the bulletin has no notice {notice_id}")
        return _answer(media, {"notice": entry_json(entry)}, lambda: notice_xml(entry))

    def _read(self, request: Request, caller: CallerConfig) -> Response:
        query = Query(request.url.query)
        query.only(READ, "POST /bulletin/ID/read")
        agent = query.text("agent", AGENT, required=True)
        assert agent is not None
        edition = query.number("edition", 1, 999_999_999)
        revision = query.number("revision", 1, 999_999_999)
        if edition is not None and revision is not None:
            raise BadParameter("bad-parameter", "give edition (the one shown) or revision, not both")
        notice_id = request.path_params["notice"]
        if not NOTICE.fullmatch(notice_id):
            raise _Refused(400, "bad-parameter", f"not a notice id: {notice_id!r}")
        marked = self.board().mark_read(agent, notice_id, revision, edition=edition)
        if marked is None:
            raise _Refused(404, "unknown-notice", f"the bulletin has no notice {notice_id}")
        log.info("notice read", extra={"agent": agent, "notice_id": notice_id, "revision": marked.revision,
                                       "edition": marked.edition})
        return JSONResponse({"agent": agent, "notice_id": notice_id, "revision": marked.revision,
                             "edition": marked.edition, "read": True, "unread": marked.unread},
                            headers=dict(ANSWER_HEADERS))
