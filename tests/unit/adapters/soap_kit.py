"""Helpers of the adapter unit tests: a system's WSDL (from its emulator, in-process: no socket), SOAP answers
and faults for respx to return, envelopes of the schema examples, and gateway settings for a fake URL."""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

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
