"""Calling a spyne WSGI application in-process, for one request whose body has already been read and checked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["WsgiResult", "call_wsgi", "wsgi_environ"]

WsgiResult = tuple[int, list[tuple[str, str]], bytes]


def wsgi_environ(
    method: str, url: str, headers: Mapping[str, str], body: bytes, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A WSGI environ for ``method url`` with these (lower-case) HTTP headers and body, plus ``extra`` keys."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": headers.get("host", f"{host}:{port}"),
        "CONTENT_TYPE": headers.get("content-type", "text/xml; charset=utf-8"),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if "soapaction" in headers:
        environ["HTTP_SOAPACTION"] = headers["soapaction"]
    environ.update(extra or {})
    return environ


def call_wsgi(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> WsgiResult:
    """Run ``app`` on ``environ``: its status code, headers and whole body (the result is closed)."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(captured["status"].split(" ", 1)[0]), captured["headers"], body
