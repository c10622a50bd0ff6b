"""``HttpxTransport``: zeep's synchronous transport on httpx, called from the worker threads.

zeep builds and signs the request in the calling thread and hands it to ``post_xml``; the request goes out on
the calling thread's ``HttpExchange`` (``ThreadClients``: httpx's transport, keep-alive, the connect and read
timeouts of the settings) and its ``RawAnswer`` (status, reason, body, Content-Type) comes back
(``zeep.Settings(raw_response=True)``): the gateway reads it (``hub.gateways.soap_answers``). No event loop and no
thread hand-off per call: before, each call went from the worker thread to the gateway's loop thread and back,
and httpx's async stack (anyio) cost about as much CPU as the rest of the hub's work per lookup (bench/README.md,
flows, 2026-12-04).

An answer is read at most up to the parser's cap (``max_bytes``): a larger ``Content-Length`` is refused before a
byte of the body is read, and a body streamed past the cap is refused there (``hub.gateways.deadline.read_answer``).
Every call is also bounded as a whole: the connection, the request and the whole answer, headers included, within
``deadline`` seconds (``hub.gateways.deadline``; httpx's timeout errors otherwise), so a system that trickles its
answer cannot hold a worker thread for longer.
The WSDL is read once, with a client of its own (``wsdl_client``), which also serves zeep's other GETs.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

from hub.gateways.clients import ThreadClients
from hub.gateways.deadline import read_answer, within
from hub.gateways.exchange import HttpExchange
from hub.gateways.failures import retry_after

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from zeep.exceptions import TransportError
    from zeep.transports import Transport
    from zeep.wsdl.utils import etree_to_string

__all__ = ["HttpxTransport", "RawAnswer"]


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """A system's HTTP answer as received: status, reason phrase, the whole body, the seconds a throttling
    answer's ``Retry-After`` asks for (408, 429, 503; else None), and its ``Content-Type`` (whose charset reads a
    body that names no encoding; None when absent)."""

    status_code: int
    reason: str
    content: bytes
    retry_after: float | None = None
    content_type: str | None = None


class HttpxTransport(Transport):  # type: ignore[misc]  # zeep is untyped
    """zeep's transport over ``clients`` (calls) and ``wsdl_client`` (the WSDL and its imports, read once)."""

    def __init__(self, clients: ThreadClients[HttpExchange], wsdl_client: httpx.Client, *, deadline: float,
                 max_bytes: int) -> None:
        # zeep's Transport.__init__ opens a requests.Session: not needed here, so not called
        self.cache = None
        self._close_session = False
        self.logger = logging.getLogger("zeep.transports")
        self.clients = clients
        self.wsdl_client = wsdl_client
        self.deadline = deadline
        self.max_bytes = max_bytes  # the most of an answer read (the parser's cap: it refuses more anyway)

    def _load_remote_data(self, url: str) -> bytes:
        response = self.wsdl_client.get(url)
        if response.is_error:
            raise TransportError(status_code=response.status_code)  # type: ignore[no-untyped-call]
        return response.content

    def post_xml(self, address: str, envelope: etree._Element, headers: dict[str, str]) -> RawAnswer:
        return self.post(address, etree_to_string(envelope), headers)  # type: ignore[no-untyped-call]

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> RawAnswer:
        """POST ``message``; the answer read completely within ``deadline`` seconds (``httpx.ReadTimeout``), a
        successful one at most ``max_bytes`` (``AnswerTooLarge``: refused before it is read whole)."""
        with within(self.deadline):  # the headers' wait too, not only the body's
            response = self.clients.get().send("POST", address, content=message, headers=headers)
            try:
                return RawAnswer(response.status_code, response.reason_phrase, read_answer(response, self.max_bytes),
                                 retry_after(response, any_status=True), response.headers.get("content-type"))
            finally:
                response.close()

    def get(self, address: str, params: Any, headers: dict[str, str]) -> RawAnswer:
        response = self.wsdl_client.get(address, params=params, headers=headers)  # zeep GETs documents only
        return RawAnswer(response.status_code, response.reason_phrase, response.content,
                         content_type=response.headers.get("content-type"))
