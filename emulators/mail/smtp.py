"""The mail emulator's SMTP server (aiosmtpd, on 127.0.0.1): each mail received is handed to the emulator's own
HTTP app as ``POST /smtp/deliver`` (in process, no socket: ``emulators.toolkit.SyncEmulatorTransport``), so it goes
through the toolkit's faults and journal like any request to another emulator: the journal keeps the mail (operation
``ReceiveMail``), and a fault scoped to ``ReceiveMail`` is what the SMTP client is told: an injected HTTP 4xx/5xx
becomes ``451`` (try again later: the hub's mail adapter retries, then dead-letters), a reset or a hang ``421``;
a fault of status 550 to 554 is that SMTP refusal for good (the adapter dead-letters the dispatch at once).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from emulators.toolkit.transport import SyncEmulatorTransport

__all__ = ["SmtpServer", "smtp_answer"]

DELIVER_PATH = "/smtp/deliver"
PERMANENT = range(550, 555)  # a fault's status said as the SMTP refusal of that code


def smtp_answer(status: int) -> str:
    """What the SMTP client is told when the emulator's app answered ``status`` (0: no answer)."""
    if status == 0:
        return "421 4.3.0 emulated connection failure, try again later"
    if status in PERMANENT:
        return f"{status} 5.0.0 emulated permanent failure (fault status {status})"
    if status >= 400:
        return f"451 4.3.0 emulated failure (HTTP {status}), try again later"
    return "250 2.0.0 OK: queued"


class _Deliverer:
    """aiosmtpd's handler: DATA goes to the emulator's app."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _post(self, envelope: Envelope) -> int:
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else str(content).encode()
        try:
            response = self.client.post(DELIVER_PATH, content=data, headers={
                "content-type": "message/rfc822", "x-mail-from": str(envelope.mail_from or ""),
                "x-rcpt-to": ",".join(envelope.rcpt_tos)}, timeout=30.0)
        except httpx.HTTPError:
            return 0
        return response.status_code

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = await asyncio.get_running_loop().run_in_executor(None, self._post, envelope)
        return smtp_answer(status)


class _BoundController(Controller):
    """A ``Controller`` on a socket bound beforehand (port 0: a free port, known before the server starts)."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class SmtpServer:
    """The SMTP server in front of ``app`` (the emulator), on ``host``:``port`` (0: a free port)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app, self.host, self.requested_port = app, host, port
        self.port = port
        self._controller: _BoundController | None = None
        self._client: httpx.Client | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port if self.port else self.requested_port))
        except OSError:
            sock.close()  # its port taken: the socket not left to the garbage collector
            raise
        self.port = sock.getsockname()[1]
        self._client = httpx.Client(transport=SyncEmulatorTransport(self.app), base_url="http://mail.emulator")
        self._controller = _BoundController(_Deliverer(self._client), sock, enable_SMTPUTF8=True,
                                            decode_data=False)
        self._controller.start()

    def stop(self) -> None:
        controller, client, self._controller, self._client = self._controller, self._client, None, None
        if controller is not None:
            controller.stop()
        if client is not None:
            client.close()
