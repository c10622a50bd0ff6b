"""Helpers of the adapter unit tests: a system's WSDL (from its emulator, in-process: no socket), SOAP answers
and faults for respx to return, envelopes of the schema examples, and gateway settings for a fake URL."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from hub.config.adapters import AdapterSettings
from hub.envelope import Envelope
from hub.validation import CommandSetRegistry, schema_directory

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
C = "urn:onepoint:common:1"
BASE_URL = "http://backend.test/soap/"  # respx answers here; nothing listens anywhere
WSDL_URL = f"{BASE_URL}?wsdl"


@cache
def wsdl(system: str) -> bytes:
    """The WSDL the emulator of ``system`` serves, fetched over its in-process transport."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from emulators.catalog import resolve_emulator
        from emulators.toolkit.handle import in_process_emulator

    handle = in_process_emulator(resolve_emulator(system)())
    try:
        return handle.http.get("/?wsdl").content
    finally:
        handle.stop()


@cache
def registry() -> CommandSetRegistry:
    return CommandSetRegistry.installed(detailed=False)


def example(path: str) -> bytes:
    with schema_directory() as directory:
        return Path(directory, "examples", path).read_bytes()


def soap_answer(document: bytes | etree._Element) -> bytes:
    element = document if isinstance(document, etree._Element) else etree.fromstring(document)
    body = etree.tostring(element, encoding="unicode")
    return (f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{body}</soap:Body></soap:Envelope>').encode()


def soap_fault(code: str, message: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body><soap:Fault><faultcode>soap:{code}</faultcode>'
            f"<faultstring>{message}</faultstring></soap:Fault></soap:Body></soap:Envelope>").encode()


def settings(system: str, **overrides: object) -> AdapterSettings:
    values: dict[str, object] = {"system": system, "url": BASE_URL, "username": "hub", "password": "hub-pw",
                                 "connect_timeout": 1.0, "read_timeout": 2.0, "breaker_fail_max": 50,
                                 "breaker_reset_seconds": 60.0}
    values.update(overrides)
    return AdapterSettings(**values)  # type: ignore[arg-type]


def command(path: str, *, message_id: str = "cs-test-00000001", correlation_id: str | None = "cs-corr-0001",
            replace: dict[bytes, bytes] | None = None) -> Envelope:
    """The example command ``path`` (e.g. ``boss/QueryCustomerTier.valid.xml``) as the ingress would route it."""
    data = example(path)
    for old, new in (replace or {}).items():
        data = data.replace(old, new)
    root = etree.fromstring(data)
    set_name = etree.QName(root).namespace.rsplit(":", 2)[-2]  # urn:onepoint:boss:1 → boss
    return Envelope(message_id=message_id, command_type=f"{set_name}.{etree.QName(root).localname}",
                    source_system="CS", payload=data, correlation_id=correlation_id)


def sent_message_id(request_body: bytes) -> str:
    """The Header MessageId of the SOAP request the hub sent (what BOSS and CRM echo in their Ack)."""
    found = etree.fromstring(request_body).findtext(f".//{{{C}}}MessageId")
    assert found, "the request carries no Header MessageId"
    return found


def echoed(answer: bytes, request_body: bytes, encoding: str = "utf-8") -> bytes:
    """``answer`` (a SOAP envelope) with its Ack's MessageId set to the request's, as BOSS and CRM answer, written
    in ``encoding`` (no XML declaration: a Content-Type's charset names it)."""
    envelope = etree.fromstring(answer)
    for message_id in envelope.iterfind(f".//{{{C}}}MessageId"):  # the Ack's (an answer has no other)
        message_id.text = sent_message_id(request_body)
    return etree.tostring(envelope, encoding="unicode").encode(encoding)


def echoing(answer: bytes, status: int = 200, headers: dict[str, str] | None = None,
            encoding: str = "utf-8") -> Callable[..., Any]:
    """A respx side effect answering ``answer`` with the Ack echoing each request's MessageId."""
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=echoed(answer, request.content, encoding), headers=headers)

    return respond


def in_turn(*turns: BaseException | httpx.Response | bytes) -> Callable[..., Any]:
    """A respx side effect answering each call with the next of ``turns`` (the last again once they run out): an
    exception is raised, a response returned as it is, a SOAP answer (bytes) answered with HTTP 200 and its Ack
    echoing the request's MessageId, as BOSS and CRM answer."""
    calls = 0

    def respond(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        turn = turns[min(calls, len(turns) - 1)]
        calls += 1
        if isinstance(turn, BaseException):
            raise turn
        if isinstance(turn, httpx.Response):
            return turn
        return httpx.Response(200, content=echoed(turn, request.content))

    return respond
