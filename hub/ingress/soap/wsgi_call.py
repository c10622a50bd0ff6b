"""Calling the spyne WSGI application for one request whose body the ingress has already read and checked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request

__all__ = ["WsgiResult", "call_wsgi", "environ_for"]

WsgiResult = tuple[int, list[tuple[str, str]], bytes]


def environ_for(request: Request, body: bytes, extra: dict[str, Any]) -> dict[str, Any]:
    host, port = (request.url.hostname or "127.0.0.1"), (request.url.port or 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": request.url.path,
        "QUERY_STRING": request.url.query,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": request.headers.get("host", f"{host}:{port}"),
        "CONTENT_TYPE": request.headers.get("content-type", "text/xml; charset=utf-8"),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if "soapaction" in request.headers:
        environ["HTTP_SOAPACTION"] = request.headers["soapaction"]
    environ.update(extra)
    return environ


def call_wsgi(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> WsgiResult:
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
