"""The bulletin API for customer-service agents, authenticated like the XML ingress (HTTP Basic or bearer).

``GET /bulletin?agent=ID[&area=0755][&all=1][&limit=N][&after=CURSOR]`` → the active notices (``all=1``: the
cleared ones too), newest change first, each with ``unread`` for that agent; at most ``limit`` (1-500, default 200)
a page, ``next`` the cursor of the following page (``after=``) when there is one. ``GET /bulletin?notice=ID`` →
that one notice (``{"notice": {...}}``): the page an outage notice's OA to-read links to, readable by the systems
in ``[bulletin] readers`` and ``notice_readers`` (default OA). JSON, or XML when asked (``format=xml``, or Accept
with q-values: ``bulletin_http``). ``POST /bulletin/{notice}/read?agent=ID[&revision=N]`` marks read the revision
the agent was shown (default: the current one; a later revision is unread again).

Parameters are read strictly (``bulletin_http``: whole-value patterns, each at most once, known values of ``all``
and ``format``). Every answer is ``Vary: Accept`` and ``Cache-Control: private, no-store``. Only callers of the
systems in ``[bulletin] readers`` (default ``CS``) may list and mark: 401 no or bad credentials · 429 throttled
sign-ins · 403 another system · 400 a bad parameter (named) · 404 no such notice · 406 neither JSON nor XML
acceptable. (A method the route does not take is answered by the app's router.)
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.bulletin import BulletinBoard, bulletin_json, bulletin_xml, entry_json, notice_xml
from hub.config.settings import BulletinSettings, CallerConfig
from hub.ingress.bulletin_http import ANSWER_HEADERS, JSON, BadParameter, NotAcceptable, Query, media_type
from hub.ingress.outcomes import refusal_for
from hub.ingress.refusals import REFUSAL_HEADER
from hub.ingress.xml.endpoint import CHALLENGE, XmlIngress
from hub.security.throttle import SignInThrottled

__all__ = ["BulletinAPI", "allowing"]

log = logging.getLogger("onepoint.ingress.bulletin")
AGENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # c:PartyId
AREA = re.compile(r"0[1-9][0-9]{1,2}")  # c:AreaCode
NOTICE = re.compile(r"(FLT|ADJ)-[0-9]{8}-[0-9]{4}")  # nsp:NoticeId
CURSOR = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,9})?)_((?:FLT|ADJ)-[0-9]{8}-[0-9]{4})")  # next page: updated_at_id
PAGE, MAX_PAGE = 200, 500


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
    """The two endpoints; the board (SQLite) is opened on first use, or given (tests, the system assembly)."""

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

    async def _reader(self, request: Request, *, one_notice: bool = False) -> CallerConfig:
        caller = await self.xml.authenticate(request)
        allowed = (*self.settings.readers, *self.settings.notice_readers) if one_notice else self.settings.readers
        if caller.system not in allowed:
            raise _Refused(403, "forbidden", f"system {caller.system} may not read the bulletin")
        return caller

    async def _guarded(self, request: Request, run: Callable[[Request], Response], *,
                       one_notice: bool = False) -> Response:
        try:
            await self._reader(request, one_notice=one_notice)
            return await run_in_threadpool(run, request)
        except _Refused as exc:
            return _problem(exc.status, exc.code, str(exc))
        except BadParameter as exc:
            return _problem(400, exc.code, str(exc))
        except NotAcceptable as exc:
            return _problem(406, "not-acceptable", str(exc))
        except Exception as exc:
            refusal = refusal_for(exc, system="bulletin")
            if isinstance(exc, SignInThrottled):
                await self.xml.throttle.hold()
            headers = {**refusal.headers, **(CHALLENGE if refusal.status == 401 else {})}
            return _problem(refusal.status, refusal.code, refusal.message, headers)

    async def list_notices(self, request: Request) -> Response:
        try:
            one_notice = "notice" in Query(request.url.query).values
        except BadParameter:
            one_notice = False  # refused with the reason once the caller is known
        return await self._guarded(request, self._list, one_notice=one_notice)

    async def mark_read(self, request: Request) -> Response:
        return await self._guarded(request, self._read)

    def _list(self, request: Request) -> Response:
        query = Query(request.url.query)
        media = media_type(query, request.headers.get("accept"))
        if "notice" in query.values:
            return self._one(query, media)
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
        entries = self.board().entries(agent, area=area, include_cleared=everything, after=after, limit=limit + 1)
        page, more = entries[:limit], len(entries) > limit
        data = bulletin_json(agent, page)
        if more:
            last = page[-1]
            data["next"] = f"{last.updated_at!r}_{last.notice.notice_id}"
        return _answer(media, data, lambda: bulletin_xml(agent, page, next_page=data.get("next")))

    def _one(self, query: Query, media: str) -> Response:
        notice_id = query.text("notice", NOTICE, required=True)
        assert notice_id is not None
        entry = self.board().notice(notice_id)
        if entry is None:
            raise _Refused(404, "unknown-notice", f"the bulletin has no notice {notice_id}")
        return _answer(media, {"notice": entry_json(entry)}, lambda: notice_xml(entry))

    def _read(self, request: Request) -> Response:
        query = Query(request.url.query)
        agent = query.text("agent", AGENT, required=True)
        assert agent is not None
        revision = query.number("revision", 1, 999_999_999)
        notice_id = request.path_params["notice"]
        if not NOTICE.fullmatch(notice_id):
            raise _Refused(400, "bad-parameter", f"not a notice id: {notice_id!r}")
        marked = self.board().mark_read(agent, notice_id, revision)
        if marked is None:
            raise _Refused(404, "unknown-notice", f"the bulletin has no notice {notice_id}")
        log.info("notice read", extra={"agent": agent, "notice_id": notice_id, "revision": marked})
        return JSONResponse({"agent": agent, "notice_id": notice_id, "revision": marked, "read": True},
                            headers=dict(ANSWER_HEADERS))
