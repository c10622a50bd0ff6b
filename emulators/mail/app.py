"""The mail emulator's HTTP application (Starlette) and its assembly: an SMTP server and a tester's controls.

==========  ====================================  ==============================================================
method      path                                  meaning
==========  ====================================  ==============================================================
(SMTP)      127.0.0.1:``smtp_port``               the hub's mail adapter sends dispatch mails here
POST        /smtp/deliver                         the SMTP server hands each mail in (``message/rfc822``,
                                                  ``X-Mail-From``, ``X-Rcpt-To``): journalled, faults apply
GET         /mail/messages                        ``{"mails": [...]}``, ``?to=ADDRESS`` those sent to it
GET         /mail/messages/{id}                   one mail, its raw text included
POST        /mail/messages/{id}/answer            the handler answers it (JSON ``{"text", "from", "charset",
                                                  "html", "subject", "deliver"}``, ``text`` required): the reply
                                                  is built and delivered to ``{hub}/mail/inbound`` (the hub's
                                                  answer back), or with ``"deliver": "imap"`` put into the hub's
                                                  IMAP inbox (``uid``)
(IMAP)      127.0.0.1:``imap_port``               the hub's ``[mail.inbox]`` poller fetches answers here
==========  ====================================  ==============================================================

JSON refusals are ``{"error": "...", "code": "..."}`` with 400 (``unknown-key``, ``invalid-json``,
``invalid-text``, ``invalid-charset``, ``invalid-deliver``) or 404 (``unknown-mail``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.mail.imap import DEFAULT_IMAP_LOGIN, ImapServer
from emulators.mail.service import MailService
from emulators.mail.smtp import DELIVER_PATH, SmtpServer
from emulators.mail.state import MailError
from emulators.toolkit import Clock, EmulatorHooks, SystemClock
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.xmlcommand import ServiceEmulatorApp

__all__ = ["MAIL_ROUTES", "MailEmulatorApp", "build_app", "create_emulator"]

MAIL_ROUTES = (
    ("POST", re.escape(DELIVER_PATH), "ReceiveMail"),
    ("POST", r"/mail/messages/[^/]+/answer", "AnswerMail"),
    ("GET", r"/mail/messages(?:/[^/]+)?", "ListMails"),
)
_ANSWER_KEYS = ("text", "from", "charset", "html", "subject", "deliver")


def _operation(body: bytes, scope: Mapping[str, Any]) -> str | None:
    path, method = scope.get("path", ""), scope.get("method", "GET")
    return next((name for m, rx, name in MAIL_ROUTES if m == method and re.fullmatch(rx, path)), None)


async def _answer_options(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except (ValueError, RecursionError):
        raise MailError(400, "invalid-json", "the body is no JSON object") from None
    if not isinstance(data, dict):
        raise MailError(400, "invalid-json", "the body is a JSON object")
    if problem := unknown_keys_problem(data, _ANSWER_KEYS):
        raise MailError(400, "unknown-key", problem)
    if not isinstance(data.get("text"), str):
        raise MailError(400, "invalid-text", "'text' (the answer) is required, a string")
    for key in ("from", "charset", "subject", "deliver"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise MailError(400, "invalid-json", f"'{key}' must be a string")
    if not isinstance(data.get("html", False), bool):
        raise MailError(400, "invalid-json", "'html' must be true or false")
    return data


def build_app(service: MailService) -> Starlette:
    def refused(exc: MailError) -> Response:
        return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.status)

    async def deliver(request: Request) -> Response:
        recipients = [r for r in request.headers.get("x-rcpt-to", "").split(",") if r]
        mail = service.receive(await request.body(), request.headers.get("x-mail-from", ""), recipients)
        return JSONResponse({"id": mail.mail_id})

    async def mails(request: Request) -> Response:
        return JSONResponse({"mails": [m.to_json() for m in service.mailbox.all(request.query_params.get("to"))]})

    async def one(request: Request) -> Response:
        try:
            return JSONResponse(service.mailbox.get(request.path_params["mail"]).to_json(raw=True))
        except MailError as exc:
            return refused(exc)

    async def answer(request: Request) -> Response:
        try:
            options = await _answer_options(request)
            return JSONResponse(service.answer(
                request.path_params["mail"], options["text"], sender=options.get("from"),
                charset=options.get("charset") or "utf-8", html=bool(options.get("html")),
                subject=options.get("subject"), deliver=options.get("deliver") or "webhook"))
        except MailError as exc:
            return refused(exc)

    return Starlette(routes=[
        Route(DELIVER_PATH, deliver, methods=["POST"]),
        Route("/mail/messages", mails, methods=["GET"]),
        Route("/mail/messages/{mail}", one, methods=["GET"]),
        Route("/mail/messages/{mail}/answer", answer, methods=["POST"]),
    ])


class MailEmulatorApp(ServiceEmulatorApp):
    """The emulator, with its SMTP server (``smtp``: where the hub's ``[mail] smtp_host`` / ``smtp_port`` point)
    and its IMAP server (``imap``: where ``[mail.inbox]`` points)."""

    smtp: SmtpServer
    imap: ImapServer
    service: MailService


def create_emulator(
    *, seed: int = 0, hub_url: str | None = None, hub_token: str | None = None, clock: Clock | None = None,
    smtp_host: str = "127.0.0.1", smtp_port: int = 0, max_mails: int = 10_000, imap_port: int = 0,
    imap_user: str = DEFAULT_IMAP_LOGIN[0], imap_password: str = DEFAULT_IMAP_LOGIN[1], **options: Any,
) -> MailEmulatorApp:
    """A fresh mail emulator, its SMTP server started on ``smtp_host``:``smtp_port`` (0: a free port, in
    ``emulator.smtp.port``); ``options`` go to :class:`~emulators.toolkit.EmulatorApp`. ``hub_url``, ``hub_token``:
    where answers are delivered (``{hub_url}/mail/inbound``) and the bearer token they carry. Its IMAP server
    listens on ``smtp_host``:``imap_port`` (0: a free port, in ``emulator.imap.port``) for the login
    ``imap_user`` / ``imap_password``."""
    clock = clock or SystemClock()
    service = MailService(clock=clock, hub_url=hub_url, hub_token=hub_token, max_mails=max_mails,
                          imap_user=imap_user)
    hooks = EmulatorHooks(protocol="xml", operation=_operation, reset=service.reset, state=service.state,
                          commands=frozenset({"ReceiveMail"}), controls=frozenset({"AnswerMail", "ListMails"}))
    holder: list[SmtpServer | ImapServer] = []

    def start() -> None:
        for server in holder:
            try:
                server.start()
            except OSError as exc:  # its port taken: the one started before it stopped, the server named
                stop()
                exc.protocol = "IMAP" if isinstance(server, ImapServer) else "SMTP"  # type: ignore[attr-defined]
                raise

    def stop() -> None:
        for server in holder:
            server.stop()

    app = MailEmulatorApp(build_app(service), name="mail", hooks=hooks, seed=seed, clock=clock,
                          start=start, stop=stop, **options)
    app.service = service
    app.smtp = SmtpServer(app, smtp_host, smtp_port)
    app.imap = ImapServer(service.inbox, {imap_user: imap_password}, smtp_host, imap_port)
    holder.extend((app.smtp, app.imap))
    start()
    return app
