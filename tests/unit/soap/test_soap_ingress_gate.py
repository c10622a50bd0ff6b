"""The SOAP ingress in process (httpx's ASGI transport, memory:// routing): the WSDL's address, the sign-in
throttle after a verified UsernameToken (replays not counted), a full WS-Security nonce cache, and the Faults of
header processing (no detail)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from hub.config.settings import HubSettings
from hub.ingress.app import HubApp, create_app
from hub.routing.router import InMemoryRouter
from hub.validation.command_sets import CommandSetRegistry
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.unit

FAULTCODE = re.compile(rb"<faultcode>([^<]*)</faultcode>")
OA = {"content-type": "text/xml", "soapaction": "CompleteTodo"}
NSP = {"content-type": "text/xml", "soapaction": "OutageNotice"}

Session = Callable[[Callable[[httpx.AsyncClient], Awaitable[Any]]], Any]


def quiet(settings: HubSettings, **security: Any) -> HubSettings:
    """``settings`` with throttled refusals answered at once (and other [security] values)."""
    return replace(settings, security=replace(settings.security, sign_in_refusal_delay_seconds=0, **security))


def session(app: HubApp, address: str = "127.0.0.1") -> Session:
    """Run ``steps(client)`` against ``app`` in process, as a client at ``address``."""

    def run(steps: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            transport = httpx.ASGITransport(app=app.asgi, client=(address, 40000))
            async with app.asgi.router.lifespan_context(app.asgi), httpx.AsyncClient(
                    transport=transport, base_url="http://127.0.0.1:8000") as client:
                return await steps(client)

        return asyncio.run(main())

    return run


def hub(settings: HubSettings, registry: CommandSetRegistry) -> HubApp:
    return create_app(settings, router=InMemoryRouter(), registry=registry)


def fresh(document: bytes) -> bytes:
    """The example with a MessageId of its own."""
    return re.sub(rb"<c:MessageId>[^<]*</c:MessageId>", f"<c:MessageId>t-{uuid.uuid4().hex[:16]}</c:MessageId>"
                  .encode(), document, count=1)


def complete_todo(examples_dir: Path, password: str = "oa-dev-password", user: str = "oa") -> bytes:
    return envelope(fresh((examples_dir / "oa/CompleteTodo.valid.xml").read_bytes()), security_header(user, password))


def outage_notice(examples_dir: Path) -> bytes:
    document = fresh((examples_dir / "nsp/OutageNotice.valid-fault.xml").read_bytes())
    return envelope(document, security_header("nsp", "nsp-dev-password"))


def soap_address(response: httpx.Response) -> str:
    """The ``soap:address`` of a WSDL (one service, one port)."""
    wsdl = etree.fromstring(response.content)
    locations = wsdl.xpath("//*[local-name()='service']/*/*[local-name()='address']/@location")
    assert len(locations) == 1, locations
    return str(locations[0])


def faultcode(response: httpx.Response) -> str:
    found = FAULTCODE.search(response.content)
    return "" if found is None else found.group(1).decode()


class TestWsdlAddress:
    def test_the_host_header_does_not_choose_the_address(self, dev_settings, registry):
        async def steps(client: httpx.AsyncClient) -> list[str]:
            attacker = await client.get("/soap/workorder?wsdl", headers={"host": "attacker.example"})
            legit = await client.get("/soap/workorder?wsdl", headers={"host": "hub.operator.internal:8000"})
            return [soap_address(r) for r in (attacker, legit)]

        addresses = session(hub(dev_settings, registry))(steps)
        assert addresses == ["http://127.0.0.1:8000/soap/workorder"] * 2  # [server] host and port

    def test_the_configured_public_url_is_the_address(self, dev_settings, registry):
        settings = replace(dev_settings, public_url="https://hub.example.com/onepoint")

        async def steps(client: httpx.AsyncClient) -> tuple[str, str]:
            boss = await client.get("/soap/boss?wsdl", headers={"host": "attacker.example"})
            oa = await client.get("/soap/oa?wsdl")
            assert boss.status_code == oa.status_code == 200
            return soap_address(boss), soap_address(oa)

        assert session(hub(settings, registry))(steps) == ("https://hub.example.com/onepoint/soap/boss",
                                                           "https://hub.example.com/onepoint/soap/oa")

    def test_one_wsdl_per_command_set_whatever_the_hosts(self, dev_settings, registry):
        app = hub(dev_settings, registry)

        async def steps(client: httpx.AsyncClient) -> set[bytes]:
            bodies = set()
            for i in range(40):
                response = await client.get("/soap/workorder?wsdl", headers={"host": f"h{i}.invalid:{i + 1}"})
                bodies.add(response.content)
            return bodies

        assert len(session(app)(steps)) == 1
        soap = soap_ingress(app)
        assert list(soap._wsdl) == ["workorder"]  # bounded by the command sets, not the Host headers


def soap_ingress(app: HubApp) -> Any:
    """The SoapIngress behind ``/soap/{system:path}`` (the route's endpoint wraps its bound method)."""
    route = next(r for r in app.asgi.routes if getattr(r, "path", "") == "/soap/{system:path}")
    cells = [cell.cell_contents for cell in route.endpoint.__closure__ or ()]
    return next(cell.__self__ for cell in cells if hasattr(cell, "__self__"))


class TestThrottleAfterAVerifiedToken:
    def test_other_callers_failures_at_the_address_do_not_refuse_the_right_password(
            self, dev_settings, registry, examples_dir):
        async def steps(client: httpx.AsyncClient) -> tuple[list[tuple[int, str]], httpx.Response, httpx.Response]:
            spray = []
            for i in range(25):  # 20 failures empty the address's bucket, then 429
                wrong = envelope(fresh((examples_dir / "nsp/OutageNotice.valid-fault.xml").read_bytes()),
                                 security_header(f"user{i % 6}", "WRONG"))
                answer = await client.post("/soap/nsp", content=wrong, headers=NSP)
                spray.append((answer.status_code, answer.headers["x-onepoint-refusal"]))
            right = await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA)
            guess = await client.post("/soap/oa", content=complete_todo(examples_dir, "WRONG"), headers=OA)
            return spray, right, guess

        spray, right, guess = session(hub(quiet(dev_settings), registry), "10.1.1.1")(steps)
        assert [code for _, code in spray[:20]] == ["unauthenticated"] * 20
        assert [code for _, code in spray[20:]] == ["throttled"] * 5 and {s for s, _ in spray} == {500}
        assert right.status_code == 200, right.text
        assert guess.status_code == 500 and faultcode(guess) == "soap:Client.Throttled"  # failures still count

    def test_a_caller_whose_password_is_guessed_here_is_still_refused(self, dev_settings, registry, examples_dir):
        async def steps(client: httpx.AsyncClient) -> tuple[list[int], httpx.Response]:
            guesses = [(await client.post("/soap/oa", content=complete_todo(examples_dir, f"guess{i}"), headers=OA))
                       .status_code for i in range(5)]
            right = await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA)
            return guesses, right

        guesses, right = session(hub(quiet(dev_settings), registry), "10.1.1.2")(steps)
        assert guesses == [500] * 5
        assert faultcode(right) == "soap:Client.Throttled"  # the right password learns nothing
        assert right.status_code == 500 and right.headers["retry-after"] == "12"

    def test_replays_of_a_valid_token_do_not_lock_its_caller_out(self, dev_settings, registry, examples_dir):
        """Copies of one signed request (a client re-sending a request whose answer it lost) are refused, but a
        replay's password was right: it is no failed sign-in, so the caller's next fresh token is accepted."""
        signed = complete_todo(examples_dir)

        async def steps(client: httpx.AsyncClient) -> tuple[httpx.Response, list[httpx.Response], httpx.Response]:
            first = await client.post("/soap/oa", content=signed, headers=OA)
            replays = [await client.post("/soap/oa", content=signed, headers=OA) for _ in range(8)]
            fresh_token = await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA)
            return first, replays, fresh_token

        first, replays, fresh_token = session(hub(quiet(dev_settings), registry), "10.1.1.6")(steps)
        assert first.status_code == 200, first.text
        assert {(r.status_code, faultcode(r)) for r in replays} == {(500, "wsse:FailedAuthentication")}
        assert all(b"used before (replay)" in r.content for r in replays)
        assert fresh_token.status_code == 200, fresh_token.text

    def test_the_right_password_from_another_address_is_not_touched(self, dev_settings, registry, examples_dir):
        app = hub(quiet(dev_settings), registry)

        async def guess(client: httpx.AsyncClient) -> None:
            for i in range(6):
                await client.post("/soap/oa", content=complete_todo(examples_dir, f"guess{i}"), headers=OA)

        async def sign_in(client: httpx.AsyncClient) -> int:
            return (await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA)).status_code

        session(app, "10.1.1.3")(guess)
        assert session(app, "10.1.1.4")(sign_in) == 200


class TestNonceCacheFull:
    def test_a_caller_over_its_share_is_told_to_retry_and_others_are_not(self, dev_settings, registry,
                                                                         examples_dir):
        settings = quiet(dev_settings, nonce_cache_size=4)  # one caller holds half of the cache at most: 2

        async def steps(client: httpx.AsyncClient) -> tuple[list[httpx.Response], httpx.Response, httpx.Response]:
            oa = [await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA) for _ in range(8)]
            nsp = await client.post("/soap/nsp", content=outage_notice(examples_dir), headers=NSP)
            wrong = await client.post("/soap/oa", content=complete_todo(examples_dir, "WRONG"), headers=OA)
            return oa, nsp, wrong

        oa, nsp, wrong = session(hub(settings, registry), "10.1.1.5")(steps)
        assert [r.status_code for r in oa] == [200, 200] + [500] * 6  # a Fault is HTTP 500 (WS-I BP R1126)
        busy = oa[2]
        assert faultcode(busy) == "soap:Server.Busy" and busy.headers["x-onepoint-refusal"] == "busy"
        assert 290 <= int(busy.headers["retry-after"]) <= 300  # when the oldest nonce's token expires
        assert b"retry after" in busy.content
        assert nsp.status_code == 200, nsp.text  # another caller's share is its own
        assert wrong.status_code == 500 and faultcode(wrong) == "wsse:FailedAuthentication"  # busy is no failure


class TestHeaderFaults:
    """SOAP 1.1 §4.4: ``detail`` MUST NOT carry errors of header entries; the refusal's code is still the
    ``X-OnePoint-Refusal`` header, and a Fault about the Body keeps its ``c:Error`` detail."""

    def test_wsse_and_must_understand_faults_have_no_detail(self, dev_settings, registry, examples_dir):
        document = fresh((examples_dir / "oa/CompleteTodo.valid.xml").read_bytes())
        trace = '<t:Trace xmlns:t="urn:example:trace" soap:mustUnderstand="1"/>'

        async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
            return [await client.post("/soap/oa", content=body, headers=OA) for body in (
                complete_todo(examples_dir, "WRONG"),
                envelope(document),
                envelope(document, security_header("oa", "oa-dev-password") + trace),
            )]

        answers = session(hub(quiet(dev_settings), registry), "10.1.1.7")(steps)
        assert [faultcode(r) for r in answers] == ["wsse:FailedAuthentication", "wsse:InvalidSecurity",
                                                   "soap:MustUnderstand"]
        for answer in answers:
            fault = etree.fromstring(answer.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
            assert fault is not None and fault.find("detail") is None, answer.text
            assert fault.findtext("faultstring")
        assert [r.headers["x-onepoint-refusal"] for r in answers] == ["unauthenticated", "unauthenticated",
                                                                      "must-understand"]

    def test_a_body_fault_keeps_its_error_detail(self, dev_settings, registry, examples_dir):
        invalid = fresh((examples_dir / "oa/CompleteTodo.valid.xml").read_bytes()).replace(
            b"<c:SourceSystem>", b"<c:SourceSystem>X", 1)

        async def steps(client: httpx.AsyncClient) -> httpx.Response:
            body = envelope(invalid, security_header("oa", "oa-dev-password"))
            return await client.post("/soap/oa", content=body, headers=OA)

        answer = session(hub(quiet(dev_settings), registry), "10.1.1.8")(steps)
        assert faultcode(answer) == "soap:Client.SchemaValidationError", answer.text
        assert etree.fromstring(answer.content).find(".//detail/{urn:onepoint:common:1}Error") is not None
