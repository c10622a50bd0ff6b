"""``HttpExchange``: one calling thread's requests to one system, on an ``httpx.HTTPTransport`` of its own.

The gateways send through httpx's transport API (``handle_request``, the layer an ``httpx.Client`` sends through)
instead of a client: a call needs none of the client's per-request work (its defaults merged into every request,
the auth flow's generator, the redirect loop, the cookie jar filled through urllib's request class, the event
hooks), which cost ~0.12-0.15 ms of CPU per call in the calling thread against a local server (bench/README.md,
flows, 2026-12-04 afternoon). What the gateways need is kept here: the headers every request carries (the
credentials among them), the connect and read timeouts (the request's ``timeout`` extension, as a client sets it)
and, for a whole call, a deadline every wait shares (``hub.gateways.deadline``),
one keep-alive connection per thread, redirects not followed (a client's default too), and the proxy the
environment names for the system's URL (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``). respx
still stands in for the system in tests: it replaces httpcore, below the transport. Two choices are the caller's
(the event publisher makes them; the adapters do not): ``answer_limit``, how much of a ``post``'s answer is kept
(the first bytes as they came; the rest is not read and the connection is closed), and ``address_check``, which
addresses a connection may be made to (``hub.gateways.deadline``). The XML gateway gives ``max_answer``, the
parser's cap: a successful answer larger than that is refused (``AnswerTooLarge``) before it is read whole.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping

import httpx

from hub.gateways.deadline import AddressCheck, bounded_transport, read_answer, read_within, within

__all__ = ["HttpExchange", "environment_proxy"]


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``<scheme>_proxy``, else ``all_proxy``, either case), None
    when none is named or ``no_proxy`` lists its host, a domain it is in, or ``*``."""
    target = httpx.URL(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(target.scheme) or proxies.get("all")
    if not proxy:
        return None
    host = target.host.lower()
    for entry in proxies.get("no", "").split(","):
        name = entry.strip().lower().lstrip(".")
        if name == "*" or (name and (host == name or host.endswith(f".{name}"))):
            return None
    return proxy


class HttpExchange:
    """Requests to ``url``'s system with ``headers`` on every one, each wait bounded by ``timeout`` and a whole
    ``post`` by ``deadline`` seconds (a ``send`` by the caller's ``within``), a ``post``'s answer kept whole or,
    with ``answer_limit``, its first ``answer_limit`` bytes; close it when done."""

    def __init__(self, url: str, timeout: httpx.Timeout, headers: Mapping[str, str] | None = None, *,
                 deadline: float | None = None, answer_limit: int | None = None,
                 address_check: AddressCheck | None = None, max_answer: int | None = None) -> None:
        self._transport = bounded_transport(environment_proxy(url), address_check=address_check)
        self._headers = dict(headers or {})
        self._timeout = timeout.as_dict()
        self.deadline = deadline
        self.answer_limit = answer_limit
        self.max_answer = max_answer
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    def send(self, method: str, url: str, *, content: bytes = b"",
             headers: Mapping[str, str] | None = None) -> httpx.Response:
        """The response, its body not read yet (``read()`` or ``iter_bytes()``, then ``close()``)."""
        request = httpx.Request(method, url, content=content, headers={**self._headers, **(headers or {})},
                                extensions={"timeout": self._timeout})
        response = self._transport.handle_request(request)
        response.request = request  # as a client sets it (raise_for_status, the error's request)
        return response

    def post(self, url: str, content: bytes, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """POST ``content``; the response with its body read (whole, or up to ``answer_limit``), all within the
        deadline."""
        if self.deadline is None:
            return self._post(url, content, headers)
        with within(self.deadline):
            return self._post(url, content, headers)

    def _post(self, url: str, content: bytes, headers: Mapping[str, str] | None) -> httpx.Response:
        response = self.send("POST", url, content=content, headers=headers)
        try:
            if self.max_answer is not None:  # a successful answer over the cap is refused, not read whole
                response._content = read_answer(response, self.max_answer)
            else:  # what ``read()`` sets, within the deadline
                response._content = read_within(response, self.answer_limit)
        finally:
            response.close()
        return response

    def close(self) -> None:
        self._closed = True
        self._transport.close()
