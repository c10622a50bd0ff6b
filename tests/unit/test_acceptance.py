"""Acceptance: no parsed tree waits for the broker.

While a command's route is awaited (thousands of requests wait for their confirms under load), no frame of
the request may still hold the parsed document: each tree held costs memory, and measurably CPU in cache
misses when the next documents are parsed. The probe router walks the awaiting frames and records every
local that is an lxml element or a `ValidatedCommand`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import httpx
import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance
from hub.ingress.app import create_app
from hub.routing.envelopes import envelope_for
from hub.routing.router import InMemoryRouter, RouteResult
from hub.security.callers import CallerDirectory
from hub.validation import CommandSetRegistry, DocumentValidator
from hub.validation.validator import ValidatedCommand
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.unit


def held_trees(frame: FrameType | None) -> list[str]:
    """``function:local`` for every parsed tree (or validated command) a frame up the chain still holds."""
    found = []
    while frame is not None:
        for name, value in frame.f_locals.items():
            if isinstance(value, (etree._Element, ValidatedCommand)):
                found.append(f"{frame.f_code.co_name}:{name}")
        frame = frame.f_back
    return found


class ProbeRouter(InMemoryRouter):
    def __init__(self) -> None:
        super().__init__()
        self.held: list[list[str]] = []

    async def route(self, envelope: Envelope) -> RouteResult:
        self.held.append(held_trees(sys._getframe(1)))
        return await super().route(envelope)


def test_the_probe_finds_a_tree_that_a_caller_holds() -> None:
    def caller() -> list[str]:
        element = etree.fromstring(b"<a/>")
        assert element is not None
        return held_trees(sys._getframe(0))

    assert caller() == ["caller:element"]


@pytest.fixture
def probed(dev_settings: Any, registry: CommandSetRegistry) -> tuple[Callable[..., httpx.Response], ProbeRouter]:
    """A POST to the app in process (no network), and the probe router behind it."""
    router = ProbeRouter()
    app = create_app(dev_settings, router=router, registry=registry)

    async def post_async(path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.post(path, content=content, headers=headers)

    def post(path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return asyncio.run(post_async(path, content, headers))

    return post, router


def test_xml_ingress_frees_the_tree_before_routing(probed: Any, examples_dir: Any) -> None:
    post, router = probed
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    response = post("/xml/workorder", document, {"content-type": "application/xml",
                                                 "authorization": "Bearer cs-dev-token"})
    assert response.status_code == 202, response.text
    assert router.held == [[]]
    assert router.envelopes[-1].payload == document  # the body as received, not the tree


def test_soap_ingress_frees_the_tree_before_routing(probed: Any, examples_dir: Any) -> None:
    post, router = probed
    body = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    request = envelope(body, security_header("cs-frontend", "cs-dev-password"))
    response = post("/soap/workorder", request, {"content-type": "text/xml", "soapaction": '"CreateWorkOrder"'})
    assert response.status_code == 200, response.text
    assert router.held == [[]]
    assert router.envelopes[-1].command_type == "workorder.CreateWorkOrder"


def test_envelope_for_carries_the_header_fields_and_who_sent_it(registry: CommandSetRegistry,
                                                                 examples_dir: Any) -> None:
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    command = DocumentValidator(registry).validate_bytes(document, expected_set="workorder")
    built = envelope_for(command, headers={"ingress": "xml", "caller": "cs-frontend"}, document=document)
    assert (built.message_id, built.command_type, built.source_system, built.payload) == (
        command.message_id, "workorder.CreateWorkOrder", "CS", document)
    assert built.headers == {"ingress": "xml", "caller": "cs-frontend"}
    assert built.received_at.microsecond == 0 and built.received_at.utcoffset() is not None
    assert built.facts == {"category": ("01.02.03",), "area": ("0755",)}
    assert envelope_for(command, headers={}, facts=False).facts == {}
    serialized = envelope_for(command, headers={"step": "dispatch"})
    assert etree.fromstring(serialized.payload).tag == command.element.tag


def test_a_command_is_identified_once_and_authorized_once(probed: Any, examples_dir: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return original(*args, **kwargs)
        return run

    monkeypatch.setattr(DocumentValidator, "identify", counted("identify", DocumentValidator.identify))
    for check in ("authorize_command", "authorize_source"):
        monkeypatch.setattr(CallerDirectory, check, staticmethod(counted(check, getattr(CallerDirectory, check))))
    post, _ = probed
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    response = post("/xml/workorder", document, {"content-type": "application/xml",
                                                 "authorization": "Bearer cs-dev-token"})
    assert response.status_code == 202, response.text
    assert sorted(calls) == ["authorize_command", "authorize_source", "identify"]
    calls.clear()
    request = envelope(document.replace(b"cs-20261123-000001", b"cs-20261123-000002"),
                       security_header("cs-frontend", "cs-dev-password"))
    response = post("/soap/workorder", request, {"content-type": "text/xml", "soapaction": '"CreateWorkOrder"'})
    assert response.status_code == 200, response.text
    assert sorted(calls) == ["authorize_command", "authorize_source", "identify"]


def test_a_caller_is_refused_a_command_before_its_schema_is_checked(probed: Any, examples_dir: Any) -> None:
    post, router = probed
    invalid = (examples_dir / "workorder" / "CreateWorkOrder.invalid-bad-channel.xml").read_bytes()
    response = post("/xml/workorder", invalid, {"content-type": "application/xml",
                                                "authorization": "Bearer oa-dev-token"})
    assert response.status_code == 403
    assert not router.envelopes


def test_routing_facts_are_read_only_for_commands_a_content_route_applies_to(
        registry: CommandSetRegistry, examples_dir: Any, dev_settings: Any) -> None:
    document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    caller = next(c for c in dev_settings.callers if c.username == "cs-frontend")
    asked: list[str] = []

    def reads_facts(command_type: str) -> bool:
        asked.append(command_type)
        return command_type == "crm.NotifyAccountManager"

    acceptance = Acceptance(InMemoryRouter(), DocumentValidator(registry), reads_facts=reads_facts)
    admitted = acceptance.admit(etree.fromstring(document), caller, expected_set="workorder", ingress="xml")
    assert asked == ["workorder.CreateWorkOrder"]
    assert dict(admitted.envelope.facts) == {}
    everything = Acceptance(InMemoryRouter(), DocumentValidator(registry))
    admitted = everything.admit(etree.fromstring(document), caller, expected_set="workorder", ingress="xml")
    assert dict(admitted.envelope.facts) == {"category": ("01.02.03",), "area": ("0755",)}


def test_an_audited_command_carries_the_callers_address_and_others_do_not(probed: Any, examples_dir: Any) -> None:
    """For the audit trail of an SMS-log query (``hub.validation.audited``): who asked from where, as the ingress
    saw it, beside what the document says of itself. Other commands carry no more than before."""
    post, router = probed
    sms_log = (examples_dir / "dsmp" / "QuerySmsLog.valid.xml").read_bytes().replace(
        b"SourceSystem>HUB<", b"SourceSystem>CS<")
    for path, body in (("/xml/dsmp", sms_log),
                       ("/xml/workorder", (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes())):
        response = post(path, body, {"content-type": "application/xml", "authorization": "Bearer cs-dev-token"})
        assert response.status_code in (200, 202), response.text
    audited, other = list(router.envelopes)[-2:]
    assert audited.command_type == "dsmp.QuerySmsLog" and audited.headers["peer"] == "127.0.0.1"
    assert audited.headers["caller"] == "cs-frontend" and "peer" not in other.headers
