"""The NSP emulator's HTTP application (Starlette) and its assembly.

==========  ===============================  =================================================================
method      path                             meaning
==========  ===============================  =================================================================
POST        /xml                             NetworkComplaintDispatch -> NetworkComplaintDispatchResponse;
                                             NetworkComplaintWithdraw -> NetworkComplaintWithdrawResponse;
                                             NoticeFeedback -> NoticeFeedbackResponse (recorded on the notice,
                                             :mod:`emulators.nsp.notice_feedback`; 404 for an unknown notice)
GET         /nsp/outages                     ``{"notices": [...]}``
POST        /nsp/outages                     raise a notice (JSON, see :mod:`emulators.nsp.notices`), or revise
                                             the active one with the same ``notice_id`` -> 201; sent to the hub
POST        /nsp/outages/{notice_id}/clear   clear it (optional ``{"wording": "..."}``) -> 200; sent to the hub
POST        /nsp/outages/{notice_id}/withdraw  withdraw it, issued in error: no outage (optional ``{"reason":
                                             "...", "wording": "..."}``) -> 200; sent to the hub as WITHDRAWN;
                                             409 ``notice-withdrawn`` when withdrawn already
GET         /nsp/tickets                     ``{"tickets": [...]}`` (a withdrawn one: status ``withdrawn``)
POST        /nsp/tickets/{ticket_id}/reply   reply now (optional cause/action/result/resolved) -> 200; 409 when
                                             answered already or withdrawn
GET         /nsp/settings                    ``{"auto_reply": true, "reply_delay": 5.0, "answer_known_faults": true}``
POST        /nsp/settings                    change any of them (``{"auto_reply": false}``: replies only by hand)
                                             -> 200, the settings now (:mod:`emulators.nsp.settings`)
==========  ===============================  =================================================================

JSON refusals are ``{"error": "...", "violations": [...]}`` with 400, 404 or 409; a key a route does not take
(``"Resolved"`` for ``"resolved"``) is a 400 naming it, never ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.callbacks import CallbackClient
from emulators.nsp.notices import NoticeSpecError
from emulators.nsp.script import load_script
from emulators.nsp.service import NspService
from emulators.toolkit import Clock, SystemClock
from emulators.toolkit.xmlcommand import (
    CommandError,
    ServiceEmulatorApp,
    XmlTextError,
    check_json_text,
    command_endpoint,
    validator,
    xml_hooks,
)
from hub.validation import DocumentRefused

__all__ = ["NSP_ROUTES", "build_app", "create_emulator"]

#: (method, path regex, operation name) for the journal and for scoping faults
NSP_ROUTES = (
    ("GET", r"/nsp/outages", "ListOutages"),
    ("POST", r"/nsp/outages", "RaiseOutage"),
    ("POST", r"/nsp/outages/[^/]+/clear", "ClearOutage"),
    ("POST", r"/nsp/outages/[^/]+/withdraw", "WithdrawOutage"),
    ("GET", r"/nsp/tickets", "ListTickets"),
    ("POST", r"/nsp/tickets/[^/]+/reply", "ReplyTicket"),
    ("GET", r"/nsp/settings", "ReadSettings"),
    ("POST", r"/nsp/settings", "ChangeSettings"),
)


async def _json(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise NoticeSpecError(f"invalid JSON: {exc}") from exc
    except RecursionError:
        raise NoticeSpecError("invalid JSON: nested too deeply") from None
    check_json_text(data)  # every text goes into an XML document: one XML 1.0 cannot hold is named, 400
    return data


def _refusal(exc: Exception) -> JSONResponse:
    if isinstance(exc, CommandError):
        return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.status)
    if isinstance(exc, DocumentRefused):
        return JSONResponse({"error": "invalid document", "violations": [str(v) for v in exc.violations]}, 400)
    if isinstance(exc, NoticeSpecError):
        return JSONResponse({"error": str(exc), "violations": exc.violations}, status_code=400)
    if isinstance(exc, XmlTextError):
        return JSONResponse({"error": str(exc), "field": exc.field}, status_code=400)
    return JSONResponse({"error": f"not found: {exc}"}, status_code=404)


def build_app(service: NspService) -> Starlette:
    refusals = (CommandError, DocumentRefused, NoticeSpecError, XmlTextError, KeyError)

    async def list_outages(request: Request) -> Response:
        return JSONResponse({"notices": service.notices()})

    async def raise_outage(request: Request) -> Response:
        try:
            spec = await _json(request)
            return JSONResponse(await run_in_threadpool(service.raise_notice, spec), status_code=201)
        except refusals as exc:
            return _refusal(exc)

    async def notice_ended(request: Request, end: Callable[[str, Any], dict[str, Any]]) -> Response:
        """A notice cleared or withdrawn (``end``: the service's), as the path and the JSON body name it."""
        try:
            spec = await _json(request)
            return JSONResponse(await run_in_threadpool(end, request.path_params["notice_id"], spec))
        except refusals as exc:
            return _refusal(exc)

    async def clear_outage(request: Request) -> Response:
        return await notice_ended(request, service.clear_notice)

    async def withdraw_outage(request: Request) -> Response:
        return await notice_ended(request, service.withdraw_notice)

    async def list_tickets(request: Request) -> Response:
        return JSONResponse({"tickets": await run_in_threadpool(service.tickets)})

    async def reply_ticket(request: Request) -> Response:
        try:
            overrides = await _json(request)
            if not isinstance(overrides, dict):
                raise NoticeSpecError("the body is a JSON object")
            ticket_id = request.path_params["ticket_id"]
            return JSONResponse(await run_in_threadpool(service.reply_now, ticket_id, overrides))
        except refusals as exc:
            return _refusal(exc)

    async def read_settings(request: Request) -> Response:
        return JSONResponse(service.settings())

    async def change_settings(request: Request) -> Response:
        try:
            return JSONResponse(service.change_settings(await _json(request)))
        except refusals as exc:
            return _refusal(exc)

    commands = {"NetworkComplaintDispatch": service.dispatch, "NetworkComplaintWithdraw": service.withdraw,
                "NoticeFeedback": service.notice_feedback}
    return Starlette(routes=[
        Route("/xml", command_endpoint("nsp", commands), methods=["POST"]),
        Route("/nsp/outages", list_outages, methods=["GET"]),
        Route("/nsp/outages", raise_outage, methods=["POST"]),
        Route("/nsp/outages/{notice_id}/clear", clear_outage, methods=["POST"]),
        Route("/nsp/outages/{notice_id}/withdraw", withdraw_outage, methods=["POST"]),
        Route("/nsp/tickets", list_tickets, methods=["GET"]),
        Route("/nsp/tickets/{ticket_id}/reply", reply_ticket, methods=["POST"]),
        Route("/nsp/settings", read_settings, methods=["GET"]),
        Route("/nsp/settings", change_settings, methods=["POST"]),
    ])


def create_emulator(
    *, seed: int = 0, hub_url: str | None = None, hub_token: str | None = None, reply_delay: float = 5.0,
    auto_reply: bool = True, answer_known_faults: bool = True,
    schedule: str | Path | list[Any] | dict[str, Any] | None = None, clock: Clock | None = None,
    callback_attempts: int = 5, callback_backoff: float = 0.5, callback_retry_seconds: float = 120.0,
    max_tickets: int = 10_000, state_limit: int = 1_000, **options: Any,
) -> ServiceEmulatorApp:
    """A fresh NSP emulator; ``options`` go to :class:`~emulators.toolkit.EmulatorApp` (journal sizes...).
    ``callback_retry_seconds``: how long a call-back the hub refuses for now (5xx, 429, unreachable) is tried
    again, after ``callback_attempts`` at least. ``max_tickets``: tickets kept (the oldest answered go first);
    ``state_limit``: tickets and notices ``GET /__admin/state`` lists (the newest; their counts are always there)."""
    clock = clock or SystemClock()
    validator()  # compile the schemas now, not on the first request
    callbacks = CallbackClient(hub_url, hub_token, system="nsp", attempts=callback_attempts,
                               backoff=callback_backoff, retry_seconds=callback_retry_seconds)
    service = NspService(
        seed=seed, clock=clock, callbacks=callbacks, reply_delay=float(reply_delay), auto_reply=auto_reply,
        answer_known_faults=answer_known_faults, script=load_script(schedule) if schedule is not None else None,
        max_tickets=max_tickets, state_limit=state_limit,
    )
    hooks = xml_hooks("nsp", NSP_ROUTES, served=("NetworkComplaintDispatch", "NetworkComplaintWithdraw",
                                                 "NoticeFeedback"),
                      reset=service.reset, state=service.snapshot)
    return ServiceEmulatorApp(build_app(service), name="nsp", hooks=hooks, seed=seed, clock=clock,
                              start=service.start_script, stop=service.stop, **options)
