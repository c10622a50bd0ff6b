"""The OA emulator's HTTP application (Starlette) and its assembly.

==========  ====================================  ==============================================================
method      path                                  meaning
==========  ====================================  ==============================================================
POST        /xml                                  PushTodo, PushToRead, CompleteTodo and WithdrawToRead (hub -> OA)
                                                  -> XResponse
GET         /feeds/{user}/todo.atom               Atom feed of the user's open to-dos (application/atom+xml),
                                                  ``?page=N&size=M`` (RFC 5005 links), ETag / Last-Modified (304)
GET         /feeds/{user}/toread.atom             Atom feed of the user's unread to-reads (the same)
POST        /oa/todos/{item}/complete             the user completes a to-do of theirs (JSON ``{"user_id",
                                                  "outcome"}``, user_id required) -> 200; CompleteTodo to the hub
POST        /oa/toreads/{item}/read               the user reads a to-read of theirs (JSON ``{"user_id"}``,
                                                  required) -> 200
GET         /oa/users/{user}/items                ``{"todo": [...], "toread": [...]}`` open items as JSON
==========  ====================================  ==============================================================

JSON refusals are ``{"error": "...", "code": "..."}`` with 400 (``unknown-key`` for a key the route does not take,
named; ``missing-user-id`` when the acting user is not named: a user acts on their own items only), 404
(unknown item, or another user's) or 409 (already closed: completed, read or withdrawn by the hub); a feed
of a user id that is no ``c:PartyId`` (the only user ids a PushTodo/PushToRead can name) is a 400 ``invalid-user``,
a feed page or size out of range a 400 (``invalid-page``, ``invalid-size``), a page past the last a 404
``no-such-page`` (``emulators.oa.feed_paging``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.callbacks import CallbackClient
from emulators.oa.feed_paging import entity_tag, last_modified, not_modified, read_paging
from emulators.oa.feeds import ATOM_MEDIA_TYPE
from emulators.oa.service import OaService
from emulators.oa.state import InboxError
from emulators.toolkit import Clock, SystemClock
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.xmlcommand import (
    ServiceEmulatorApp,
    XmlTextError,
    check_json_text,
    command_endpoint,
    validator,
    xml_hooks,
)
from hub.validation import DocumentRefused

__all__ = ["OA_ROUTES", "USER_ID", "build_app", "create_emulator"]

OA_ROUTES = (
    ("GET", r"/feeds/[^/]+/todo\.atom", "TodoFeed"),
    ("GET", r"/feeds/[^/]+/toread\.atom", "ToReadFeed"),
    ("POST", r"/oa/todos/[^/]+/complete", "UserCompleteTodo"),
    ("POST", r"/oa/toreads/[^/]+/read", "UserReadToRead"),
    ("GET", r"/oa/users/[^/]+/items", "ListItems"),
)
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # c:PartyId (schemas/common.xsd): OA's UserId


def acting_user(options: dict[str, Any]) -> str:
    """The user a mutating route acts as (``user_id``, required): an item of another user is unknown to them (404).
    The real OA must enforce the same: the hub trusts the UserId OA's CompleteTodo names."""
    user = options.get("user_id")
    if not user:
        raise InboxError(400, "missing-user-id", "'user_id' is required: the user acting (only their own items)")
    return str(user)


async def _options(request: Request, keys: tuple[str, ...]) -> dict[str, Any]:
    """The JSON body of a user's action: an object of ``keys`` only (another key is refused, 400 naming it)."""
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InboxError(400, "invalid-json", f"invalid JSON: {exc}") from exc
    except RecursionError:
        raise InboxError(400, "invalid-json", "invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise InboxError(400, "invalid-json", "the body is a JSON object")
    problem = unknown_keys_problem(data, keys)
    if problem:
        raise InboxError(400, "unknown-key", problem)
    for key in keys:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InboxError(400, "invalid-json", f"'{key}' must be a string")
    try:
        check_json_text(data)  # the outcome goes into CompleteTodo: text XML 1.0 cannot hold is named, 400
    except XmlTextError as exc:
        raise InboxError(400, "invalid-text", str(exc)) from None
    return data


def build_app(service: OaService) -> Starlette:
    async def feed(request: Request) -> Response:
        user, inbox = request.path_params["user"], request.path_params["inbox"]
        if inbox not in ("todo", "toread"):
            return JSONResponse({"error": f"no feed {inbox}.atom (todo.atom, toread.atom)", "code": "unknown-feed"},
                                status_code=404)
        if not USER_ID.fullmatch(user):  # no item can be pushed for it; and the feed's XML could not carry it
            return JSONResponse({"error": f"{user!r} is no OA user id (c:PartyId: a letter or digit, then up to 31 "
                                          "letters, digits, '.', '_' or '-')", "code": "invalid-user"},
                                status_code=400)
        try:
            page = read_paging(request.query_params)
            body, updated = service.feed(user, inbox, str(request.url.replace(query="")), page)
        except InboxError as exc:
            return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.status)
        now = service.clock.now()
        validators = {"etag": entity_tag(body), "cache-control": "no-cache"}
        modified = last_modified(updated, now)
        if modified is not None:
            validators["last-modified"] = modified
        if not_modified(request.headers, validators["etag"], updated, now):
            return Response(status_code=304, headers=validators)
        return Response(body, media_type=ATOM_MEDIA_TYPE, headers=validators)

    async def complete(request: Request) -> Response:
        try:
            options = await _options(request, ("outcome", "user_id"))
            return JSONResponse(service.complete_by_user(request.path_params["item"], outcome=options.get("outcome"),
                                                         user_id=acting_user(options)))
        except InboxError as exc:
            return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.status)
        except DocumentRefused as exc:
            return JSONResponse({"error": "invalid CompleteTodo", "code": "invalid",
                                 "violations": [str(v) for v in exc.violations]}, status_code=400)
        except XmlTextError as exc:
            return JSONResponse({"error": str(exc), "code": "invalid-text"}, status_code=400)

    async def read(request: Request) -> Response:
        try:
            options = await _options(request, ("user_id",))
            return JSONResponse(service.mark_read(request.path_params["item"], user_id=acting_user(options)))
        except InboxError as exc:
            return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.status)

    async def items(request: Request) -> Response:
        user = request.path_params["user"]
        return JSONResponse({box: [i.to_json() for i in service.inbox.open_items(user, box)]
                             for box in ("todo", "toread")})

    handlers = {"PushTodo": service.push, "PushToRead": service.push, "CompleteTodo": service.complete_from_hub,
                "WithdrawToRead": service.withdraw_to_read}
    return Starlette(routes=[
        Route("/xml", command_endpoint("oa", handlers), methods=["POST"]),
        Route("/feeds/{user}/{inbox}.atom", feed, methods=["GET"]),
        Route("/oa/todos/{item}/complete", complete, methods=["POST"]),
        Route("/oa/toreads/{item}/read", read, methods=["POST"]),
        Route("/oa/users/{user}/items", items, methods=["GET"]),
    ])


def create_emulator(
    *, seed: int = 0, hub_url: str | None = None, hub_token: str | None = None, clock: Clock | None = None,
    callback_attempts: int = 5, callback_backoff: float = 0.5, callback_retry_seconds: float = 120.0,
    max_items: int = 10_000, state_limit: int = 1_000, **options: Any,
) -> ServiceEmulatorApp:
    """A fresh OA emulator; ``options`` go to :class:`~emulators.toolkit.EmulatorApp`. ``callback_retry_seconds``:
    how long a CompleteTodo the hub refuses for now (5xx, 429, unreachable) is tried again. ``max_items``: items kept
    (the oldest closed go first); ``state_limit``: items ``GET /__admin/state`` lists in full (the newest)."""
    clock = clock or SystemClock()
    validator()  # compile the schemas now, not on the first request
    callbacks = CallbackClient(hub_url, hub_token, system="oa", attempts=callback_attempts, backoff=callback_backoff,
                               retry_seconds=callback_retry_seconds)
    service = OaService(clock=clock, callbacks=callbacks, max_items=max_items, state_limit=state_limit)
    hooks = xml_hooks("oa", OA_ROUTES, served=("PushTodo", "PushToRead", "CompleteTodo", "WithdrawToRead"),
                      reset=service.reset, state=service.state)
    return ServiceEmulatorApp(build_app(service), name="oa", hooks=hooks, seed=seed, clock=clock,
                              start=lambda: None, stop=service.stop, **options)
