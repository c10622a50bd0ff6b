"""The answers the emulator wrapper itself gives: plain text, and the rendering of an injected error.

An injected ``error`` or ``outage`` is sent with the fault's own HTTP ``status`` by every emulator: SOAP emulators
put a SOAP 1.1 Fault in it (faultcode ``Server`` for 5xx, ``Client`` for 4xx), an emulator with a ``render_error``
hook its own error document, the others plain text. Any status 400-599 is allowed, also those without a standard
reason phrase (499, 599): :func:`reason_phrase` never fails.
"""

from __future__ import annotations

from http import HTTPStatus

from emulators.toolkit.hooks import EmulatorHooks
from emulators.toolkit.wsgi import BufferedResponse
from emulators.toolkit.xmlutil import soap11_fault

__all__ = ["plain_response", "reason_phrase", "render_injected_error"]


def reason_phrase(status: int) -> str:
    """The standard reason phrase, or ``Client Error`` / ``Server Error`` for a code without one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client Error" if 400 <= status < 500 else ("Server Error" if status >= 500 else "Unknown")


def plain_response(status: int, text: str, content_type: bytes = b"text/plain; charset=utf-8") -> BufferedResponse:
    body = text.encode("utf-8")
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    return BufferedResponse(status, headers, body)


def render_injected_error(hooks: EmulatorHooks, operation: str | None, status: int, message: str) -> BufferedResponse:
    """The answer to a request an ``error`` or ``outage`` fault fails (see the module docstring)."""
    if hooks.render_error is not None:
        return hooks.render_error(operation, status, message)
    if hooks.protocol == "soap11":
        body = soap11_fault(message, "Server" if status >= 500 else "Client")
        return BufferedResponse(status, [(b"content-type", b"text/xml; charset=utf-8"),
                                         (b"content-length", str(len(body)).encode())], body)
    return plain_response(status, f"{status} {reason_phrase(status)}: {message}")
