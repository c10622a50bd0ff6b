"""emulators.toolkit.soapgate: the WSDL's address per client, and a full nonce cache answered as busy."""

from __future__ import annotations

import io
import re
import sys
from typing import Any

import pytest

from emulators.boss import create_emulator as create_boss
from emulators.crm import create_emulator as create_crm
from emulators.toolkit import in_process_emulator
from emulators.toolkit.soapgate import SoapGate
from tests.support.soap import security_header
from tests.unit.emulators.soap_helpers import BOSS_NS, COMMON_NS, SOAP_NS, fault_of, header

pytestmark = pytest.mark.unit


def wsdl_environ(local_address: str, host: str | None, port: str = "8101") -> dict[str, Any]:
    """A ``GET /?wsdl`` as the emulators' WSGI bridge builds it: ``SERVER_NAME`` the connection's local address."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "wsdl", "SCRIPT_NAME": "",
        "SERVER_NAME": local_address, "SERVER_PORT": port, "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False, "CONTENT_LENGTH": "0"}
    if host is not None:
        environ["HTTP_HOST"] = host
    return environ


def address(gate: SoapGate, environ: dict[str, Any]) -> str:
    found = re.search(rb'address location="([^"]+)"', gate.wsdl(environ))
    assert found is not None
    return found.group(1).decode()


def test_each_client_is_told_the_address_it_reached_the_emulator_at() -> None:
    """Bound to every address, the emulator is reached over loopback by one client and over the LAN by another:
    the first WSDL built must not give the second the first's loopback address."""
    gate = create_boss(subscribers=10).app
    assert address(gate, wsdl_environ("127.0.0.1", "127.0.0.1:8101")) == "http://127.0.0.1:8101/"
    assert address(gate, wsdl_environ("10.20.30.40", "10.20.30.40:8101")) == "http://10.20.30.40:8101/"
    assert address(gate, wsdl_environ("10.20.30.40", "boss.test.example")) == "http://boss.test.example/"
    assert address(gate, wsdl_environ("::1", "[::1]:8101")) == "http://[::1]:8101/"
    assert address(gate, wsdl_environ("127.0.0.1", "127.0.0.1:8101")) == "http://127.0.0.1:8101/"


@pytest.mark.parametrize("host", [
    None, "", 'evil"><x:y a="', "evil.example/path", "user@evil.example", "evil.example:99999", "evil.example:",
    "-evil.example", "evil example", "x" * 300,
])
def test_a_host_header_that_is_not_a_plain_host_and_port_gives_the_connections_address(host: str | None) -> None:
    gate = create_boss(subscribers=10).app
    assert address(gate, wsdl_environ("10.20.30.40", host)) == "http://10.20.30.40:8101/"
    assert address(gate, wsdl_environ("fe80::1", host, "8102")) == "http://[fe80::1]:8102/"


def test_the_wsdl_keeps_the_contract_schemas_whatever_its_address() -> None:
    gate = create_boss(subscribers=10).app
    for host in ("127.0.0.1:8101", "10.20.30.40:8101"):
        wsdl = gate.wsdl(wsdl_environ("127.0.0.1", host))
        assert b'targetNamespace="urn:onepoint:boss:1"' in wsdl and b"1[3-9][0-9]{9}" in wsdl


def signed_query(msisdn: str, message_id: str) -> bytes:
    command = (f'<boss:QueryCustomerTier xmlns:boss="{BOSS_NS}" xmlns:c="{COMMON_NS}">{header("boss", message_id)}'
               f"<boss:Msisdn>{msisdn}</boss:Msisdn></boss:QueryCustomerTier>")
    return (f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Header>{security_header("hub", "s3cret")}</soap:Header>'
            f"<soap:Body>{command}</soap:Body></soap:Envelope>").encode()


def test_a_full_nonce_cache_answers_server_busy_503_with_retry_after_not_a_wrong_password() -> None:
    app = create_boss(subscribers=10, ws_users={"hub": "s3cret"}, nonce_cache_size=2)
    msisdn = app.boss_state.population.subscribers[0].msisdn  # type: ignore[attr-defined]
    handle = in_process_emulator(app)
    try:
        for n in (1, 2):
            assert handle.http.post("/", content=signed_query(msisdn, f"hub-busy-00000{n}")).status_code == 200
        busy = handle.http.post("/", content=signed_query(msisdn, "hub-busy-000003"))
    finally:
        handle.stop()
    assert busy.status_code == 503
    assert 1 <= int(busy.headers["retry-after"]) <= 600
    code, message, _ = fault_of(busy.content)
    assert code == "Server.Busy" and b"soap:Server.Busy" in busy.content
    assert "retry after" in message and "hub" not in message  # an emulator's cache, not the hub's


@pytest.mark.parametrize("factory", [create_boss, create_crm])
def test_the_nonce_cache_size_is_an_emulator_option(factory: Any) -> None:
    default = factory(subscribers=10, ws_users={"hub": "s3cret"})
    assert default.app.verifier.nonces.max_entries == 1_000_000  # the documented default
    sized = factory(subscribers=10, ws_users={"hub": "s3cret"}, nonce_cache_size=5_000)
    assert sized.app.verifier.nonces.max_entries == 5_000


def test_a_nonce_cache_size_below_one_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="nonce_cache_size"):
        create_boss(subscribers=10, nonce_cache_size=0)
