"""Synchronous lookups over the broker: the consumer's response document goes back to the caller."""

import threading
import time
import uuid

import httpx
import pytest
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from hub.config.settings import HubSettings, load_settings
from hub.ingress.app import create_app
from hub.routing.codec import envelope_from_message
from hub.routing.factory import open_router
from tests.support.servers import free_port, running_asgi

C = "urn:onepoint:common:1"
CS = {"authorization": "Bearer cs-dev-token", "content-type": "application/xml"}


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def running(request, registry, tmp_path):
    url = "memory://" if request.param == "memory" else request.getfixturevalue("rabbitmq_server").url
    routes = tmp_path / "routes.toml"
    routes.write_text(
        '[[routes]]\nname = "tier"\ncommands = "boss.*"\nto = "boss"\nreply_timeout = 1.5\n'
        '[[routes]]\nname = "rest"\ncommands = ["workorder.*", "crm.*", "nsp.*", "dsmp.*", "oa.*"]\nto = "workflow"\n'
    )
    port = free_port()
    settings = HubSettings(callers=load_settings().callers, broker_url=url, topology_prefix=f"r{uuid.uuid4().hex[:8]}",
                           routing_file=routes, public_url=f"http://127.0.0.1:{port}")
    router = open_router(settings, registry)
    hub = create_app(settings, router=router, registry=registry)
    with running_asgi(hub.asgi, port=port) as base_url:
        yield base_url, router.broker
    router.broker.close()


class Responder:
    """The BOSS side: answers each request on the boss queue with ``answer(envelope) -> bytes | None``."""

    def __init__(self, broker, answer, delays: tuple[float, ...] = ()):
        self.requests = []
        self.replied = threading.Event()
        pending_delays = list(delays)

        def handle(delivery):
            envelope = envelope_from_message(delivery.message)
            self.requests.append(envelope)
            if pending_delays:
                time.sleep(pending_delays.pop(0))
            body = answer(envelope)
            if body is not None:
                broker.reply(delivery.message, body).result(10)
            delivery.ack()
            self.replied.set()

        self.consumer = broker.consume(broker.config.queue("boss"), handle)

    def close(self):
        self.consumer.close()


def tier_response(examples_dir) -> bytes:
    return (examples_dir / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()


def tier_query(examples_dir) -> bytes:
    """The example, sent by a complaint front end (it is written as the hub's own outbound query)."""
    document = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    return document.replace(b">HUB<", b">CS<")


def test_xml_request_gets_the_consumers_response(running, examples_dir):
    base_url, broker = running
    responder = Responder(broker, lambda envelope: tier_response(examples_dir))
    try:
        response = httpx.post(f"{base_url}/xml/boss", content=tier_query(examples_dir), headers=CS, timeout=10)
    finally:
        responder.close()
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "QueryCustomerTierResponse"
    assert root.findtext(f".//{{{C}}}Status") is not None
    [envelope] = responder.requests
    assert envelope.command_type == "boss.QueryCustomerTier"
    assert envelope.source_system == "CS"


def test_soap_request_through_zeep(running, examples_dir):
    base_url, broker = running
    responder = Responder(broker, lambda envelope: tier_response(examples_dir))
    try:
        client = zeep.Client(f"{base_url}/soap/boss?wsdl",
                             wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
        answer = client.service.QueryCustomerTier(
            Header={"MessageId": "rr-soap-0000001", "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"},
            Msisdn="13800138000")
    finally:
        responder.close()
    expected = etree.fromstring(tier_response(examples_dir))
    tier = expected.findtext("{urn:onepoint:boss:1}EffectiveTier")
    assert answer.EffectiveTier == tier


def test_no_reply_in_time_is_504_and_a_late_reply_is_dropped(running, examples_dir):
    base_url, broker = running
    responder = Responder(broker, lambda envelope: tier_response(examples_dir), delays=(2.5,))
    try:
        late = httpx.post(f"{base_url}/xml/boss", content=tier_query(examples_dir), headers=CS, timeout=10)
        assert late.status_code == 504
        assert etree.fromstring(late.content).findtext(f"{{{C}}}Code") == "timeout"
        assert responder.replied.wait(10)  # the late reply was sent ... and dropped without harm:
        ok = httpx.post(f"{base_url}/xml/boss", content=tier_query(examples_dir), headers=CS, timeout=10)
        assert ok.status_code == 200
        assert etree.QName(etree.fromstring(ok.content)).localname == "QueryCustomerTierResponse"
    finally:
        responder.close()


def test_soap_timeout_is_a_server_fault(running, examples_dir):
    base_url, _ = running
    client = zeep.Client(f"{base_url}/soap/boss?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    with pytest.raises(Fault) as fault:
        client.service.QueryCustomerTier(
            Header={"MessageId": "rr-soap-0000002", "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"},
            Msisdn="13800138000")
    assert fault.value.code.endswith("Server.Timeout")
    # the caller's MessageId, not the hub's correlation id; a read: sending it again asks BOSS again
    assert "rr-soap-0000002" in fault.value.message and "asks boss again" in fault.value.message


def test_backend_refusal_and_bad_reply(running, examples_dir):
    base_url, broker = running
    refusal = (b'<c:Error xmlns:c="urn:onepoint:common:1"><c:Code>subscriber-not-found</c:Code>'
               b"<c:Message>no subscriber 13800138000</c:Message></c:Error>")
    answers = iter([refusal, b"<nonsense/>"])
    responder = Responder(broker, lambda envelope: next(answers))
    try:
        refused = httpx.post(f"{base_url}/xml/boss", content=tier_query(examples_dir), headers=CS, timeout=10)
        bad = httpx.post(f"{base_url}/xml/boss", content=tier_query(examples_dir), headers=CS, timeout=10)
    finally:
        responder.close()
    assert refused.status_code == 422
    assert etree.fromstring(refused.content).findtext(f"{{{C}}}Code") == "subscriber-not-found"
    assert bad.status_code == 502
    assert "expected {urn:onepoint:boss:1}QueryCustomerTierResponse" in bad.text
