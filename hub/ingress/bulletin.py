"""The bulletin API for customer-service agents, authenticated like the XML ingress (HTTP Basic or bearer).

``GET /bulletin?agent=ID[&area=0755][&all=1]`` → the active notices (``all=1``: the cleared ones too), newest
change first, each with ``unread`` for that agent; JSON, or XML when asked (``Accept: application/xml`` or
``format=xml``). ``POST /bulletin/{notice}/read?agent=ID`` marks the notice's current revision read (a later
revision is unread again). Only callers of the systems in ``[bulletin] readers`` (default ``CS``) may call:
401 no or bad credentials · 429 throttled sign-ins · 403 another system · 400 a bad parameter · 404 no such notice.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.bulletin import BulletinBoard, bulletin_json, bulletin_xml
from hub.config.settings import BulletinSettings, CallerConfig
from hub.ingress.outcomes import refusal_for
from hub.ingress.refusals import REFUSAL_HEADER
from hub.ingress.xml.endpoint import CHALLENGE, XmlIngress
from hub.security.throttle import SignInThrottled

__all__ = ["BulletinAPI"]

log = logging.getLogger("onepoint.ingress.bulletin")
AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$")  # c:PartyId
AREA = re.compile(r"^0[1-9][0-9]{1,2}$")  # c:AreaCode
NOTICE = re.compile(r"^(FLT|ADJ)-[0-9]{8}-[0-9]{4}$")  # nsp:NoticeId


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status,
                        headers={REFUSAL_HEADER: code, **(headers or {})})


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
                self._board = BulletinBoard(self.settings.path)
            return self._board

    def close(self) -> None:
        """Close the board this API opened itself."""
        with self._lock:
            if self._owned and self._board is not None:
                self._board.close()
                self._board = None

    async def _reader(self, request: Request) -> CallerConfig:
        caller = await self.xml.authenticate(request)
        if caller.system not in self.settings.readers:
            raise _Refused(403, "forbidden", f"system {caller.system} may not read the bulletin")
        return caller

    @staticmethod
    def _param(request: Request, name: str, pattern: re.Pattern[str], *, required: bool) -> str | None:
        value = request.query_params.get(name)
        if value is None and not required:
            return None
        if value is None:
            raise _Refused(400, "missing-parameter", f"{name} is required (?{name}=..., matching {pattern.pattern})")
        if not pattern.match(value):
            raise _Refused(400, "bad-parameter", f"{name} must match {pattern.pattern}, not {value!r}")
        return value

    async def _guarded(self, request: Request, run: Callable[[Request], Response]) -> Response:
        try:
            await self._reader(request)
            return await run_in_threadpool(run, request)
        except _Refused as exc:
            return _problem(exc.status, exc.code, str(exc))
        except Exception as exc:
            refusal = refusal_for(exc, system="bulletin")
            if isinstance(exc, SignInThrottled):
                await self.xml.throttle.hold()
            headers = {**refusal.headers, **(CHALLENGE if refusal.status == 401 else {})}
            return _problem(refusal.status, refusal.code, refusal.message, headers)

    async def list_notices(self, request: Request) -> Response:
        return await self._guarded(request, self._list)

    async def mark_read(self, request: Request) -> Response:
        return await self._guarded(request, self._read)

    def _list(self, request: Request) -> Response:
        agent = self._param(request, "agent", AGENT, required=True)
        assert agent is not None
        area = self._param(request, "area", AREA, required=False)
        everything = request.query_params.get("all", "0").lower() in {"1", "true", "yes"}
        entries = self.board().entries(agent, area=area, include_cleared=everything)
        wants_xml = request.query_params.get("format") == "xml" or (
            "xml" in request.headers.get("accept", "") and "json" not in request.headers.get("accept", ""))
        if wants_xml:
            return Response(bulletin_xml(agent, entries), media_type="application/xml")
        return JSONResponse(bulletin_json(agent, entries))

    def _read(self, request: Request) -> Response:
        agent = self._param(request, "agent", AGENT, required=True)
        assert agent is not None
        notice_id = request.path_params["notice"]
        if not NOTICE.match(notice_id):
            raise _Refused(400, "bad-parameter", f"not a notice id: {notice_id!r}")
        revision = self.board().mark_read(agent, notice_id)
        if revision is None:
            raise _Refused(404, "unknown-notice", f"the bulletin has no notice {notice_id}")
        log.info("notice read", extra={"agent": agent, "notice_id": notice_id, "revision": revision})
        return JSONResponse({"agent": agent, "notice_id": notice_id, "revision": revision, "read": True})
