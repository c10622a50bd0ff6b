"""The HTTP/1.1 protocol of every server of the project (`hub.http.server` configures it): uvicorn's httptools
protocol (the fast one the ingress is benchmarked on) with these things added:

- **An upgrade offer is declined, the request kept.** Java 11+'s ``HttpClient`` (and Spring's ``RestClient``,
  Ktor, DBeaver) sends every cleartext request with ``Upgrade: h2c``; llhttp stops at the end of its headers and
  uvicorn 0.55 hands the app an empty body (Kludex/uvicorn#2722, MagicStack/httptools#124, open). RFC 9110 §7.8
  lets a server ignore the offer: every request that carries one, however many follow each other in one packet,
  is parsed again from its head without the offer (`hub.http.upgrade`) by a fresh full parser, its body read as
  usual, that parser serving the connection's next requests too. No WebSocket is served (``ws="none"``); only
  ``CONNECT`` is refused (400).
- **A request must arrive whole in time.** A request (headers and body) has ``read_timeout`` seconds (default 30)
  of the client's time to arrive; then it is answered 408 and its connection closed, so a client that stalls
  mid-body (a hung legacy client, a dropped NAT mapping, a slow-body attacker) does not hold a file descriptor for
  good. The clock starts at its first byte and starts again whenever the server hands the turn back to the client
  (`hub.http.reading`): reading resumed after the server paused it (a pipelined request's turn, a large body the
  app had not asked for yet) or ``100 Continue`` sent; time the server is behind never counts. A 408 is never
  written into a previous response still being sent: the connection is closed once that response is whole. A
  connection that sends nothing is closed after the keep-alive timeout, as an idle one between two requests is.
- **At most ``max_connections`` connections** (default: half the process's open-file limit, at most 4096). A
  connection accepted over the cap has ``PROBE_GRACE`` seconds (1, or ``read_timeout`` if shorter) to complete a
  request head: a probe (``GET``/``HEAD`` ``/healthz`` or ``/readyz``) is answered and its connection then closed;
  any other request is answered 503 with ``Retry-After`` and closed; a head not complete in time is closed
  without an answer. So connections beyond the cap hold a file descriptor at most ``PROBE_GRACE`` seconds
  each, and the probes are answered (a hub that stalled clients keep busy is alive and ready, not to be restarted)
  as long as fewer than ``open-file limit - max_connections`` (the half the default cap leaves, less the process's
  own files) connections arrive within one ``PROBE_GRACE``; a faster flood is the network's to stop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.http.reading import ReadingFlow
from hub.http.upgrade import head_without_upgrade
from hub.observability.quiet import QuietLog

__all__ = ["DEFAULT_READ_TIMEOUT", "PROBE_GRACE", "ServerProtocol"]

DEFAULT_READ_TIMEOUT = 30.0  # seconds a request has to arrive whole (headers and body) from its first byte
PROBES = frozenset({b"/healthz", b"/readyz"})
PROBE_GRACE = 1.0  # seconds a connection over the cap has to show it is a probe before it is closed
RETRY_BUSY = 1  # seconds a client refused for the connection cap is asked to wait

log = logging.getLogger("onepoint.http")
_timed_out = QuietLog("requests that did not arrive whole in time: answered 408, connection closed", logger=log)
_busy = QuietLog("connections over the cap: requests answered 503", logger=log)
_not_probes = QuietLog("connections over the cap that sent no whole request head in time: closed", logger=log)


class ServerProtocol(HttpToolsProtocol):  # type: ignore[misc]
    """uvicorn's httptools protocol that declines upgrade offers keeping the request, times out requests that do
    not arrive whole and caps the connections (see the module)."""

    def __init__(self, config: uvicorn.Config, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.read_timeout = float(getattr(config, "read_timeout", DEFAULT_READ_TIMEOUT))
        self.max_connections: int | None = getattr(config, "max_connections", None)
        self._deadline: asyncio.TimerHandle | None = None
        self._grace: asyncio.TimerHandle | None = None  # armed only on a connection accepted over the cap
        self.flow: ReadingFlow
        self._reading: Any = None  # the cycle of the request being read (None until its headers are complete)

    # the connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.flow = ReadingFlow(transport, self._client_turn)
        # closed if no request begins in time, as between two requests (uvicorn arms it only after a response)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            self._grace = self.loop.call_later(min(PROBE_GRACE, self.read_timeout), self._not_a_probe)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        declined = -1  # the end of the head last replayed: a request stopping there again is no offer we can drop
        while True:
            try:
                self.parser.feed_data(data)
                return
            except httptools.HttpParserError:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
                return
            except httptools.HttpParserUpgrade as upgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                    return
                if self.parser.get_method() == b"CONNECT":
                    self.send_400_response("This server is no proxy and does not support CONNECT: send requests to "
                                           "it directly.")
                    return
                if upgrade.args[0] <= declined:  # the offer is still there once dropped (never seen: a safeguard)
                    self.send_400_response("The request's upgrade offer could not be declined: send it without the "
                                           "Upgrade header.")
                    return
                # declined: this request again from its head without the offer, then what followed it
                head = head_without_upgrade(self.parser.get_method(), self.url, self.parser.get_http_version(),
                                            self.headers)
                data, declined = head + data[upgrade.args[0]:], len(head)
                self.parser = httptools.HttpRequestParser(self)
                self.parser.set_dangerous_leniencies(lenient_data_after_close=True)  # as uvicorn's own parser

    def _declined_upgrade(self) -> bool:
        """The parser stopped at an upgrade offer this server declines (the request is replayed without it)."""
        return bool(self.parser.should_upgrade()) and not self._should_upgrade()

    # the parser's callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading = None
        self._arm_deadline(self.read_timeout)

    def on_headers_complete(self) -> None:
        if self._declined_upgrade():
            return
        if self._grace is not None:  # a whole head in time: a probe is answered, anything else refused
            self._grace.cancel()
            self._grace = None
        over = self.max_connections is not None and len(self.connections) > self.max_connections
        if over and not self._probe():
            app, self.app = self.app, self._refuse_busy
            try:
                super().on_headers_complete()
            finally:
                self.app = app
        else:
            super().on_headers_complete()
        cycle = self._reading = self.cycle
        if over:
            cycle.keep_alive = False  # its descriptor freed once answered
        self.flow.held = cycle.waiting_for_100_continue  # if so, the client's turn again once the app asks

    def on_body(self, body: bytes) -> None:
        if not self._declined_upgrade():
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._declined_upgrade():
            return
        self._cancel_deadline()
        super().on_message_complete()

    # the connection cap

    def _probe(self) -> bool:
        return self.parser.get_method() in (b"GET", b"HEAD") and httptools.parse_url(self.url).path in PROBES

    def _not_a_probe(self) -> None:
        """A connection over the cap with no whole request head in time: closed, its descriptor freed."""
        self._grace = None
        if not self.transport.is_closing():
            _not_probes.warn(max_connections=self.max_connections, open=len(self.connections))
            self.transport.close()

    async def _refuse_busy(self, scope: Any, receive: Any, send: Any) -> None:
        _busy.warn(max_connections=self.max_connections, open=len(self.connections))
        body = (f"too many connections: this server holds at most {self.max_connections} at once; "
                f"try again in a moment\n").encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_BUSY).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    # the read deadline

    def _arm_deadline(self, delay: float) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(delay, self._deadline_passed)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _client_turn(self) -> None:
        """The server hands the turn back (reading resumed, 100 Continue sent): the request's clock starts again."""
        if self._deadline is not None:
            self._arm_deadline(self.read_timeout)

    def _deadline_passed(self) -> None:
        """408 and the connection closed, unless the server itself is what the request waits for."""
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self._reading
        if self.flow.read_paused or self.pipeline or (cycle is not None and cycle.waiting_for_100_continue):
            self._arm_deadline(self.read_timeout)  # the server is behind (the app has not asked, a turn awaited)
            return
        _timed_out.warn(client=self.client[0] if self.client else None, read_timeout=self.read_timeout)
        previous = self.cycle if cycle is None else None
        if previous is not None and not previous.response_complete:
            previous.keep_alive = False  # a 408 would land inside the previous response: closed once it is whole
            return
        if cycle is None or not cycle.response_started:
            self.transport.write(self._timeout_response())
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app's receive() says the client is gone; what it sends is dropped
            cycle.message_event.set()
        self.transport.close()

    def _timeout_response(self) -> bytes:
        body = (f"the request did not arrive whole within {self.read_timeout:g} s of its first byte: send the "
                "headers and the whole body without pausing\n").encode()
        return b"".join([b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n",
                         b"content-length: ", str(len(body)).encode(), b"\r\nconnection: close\r\n\r\n", body])
