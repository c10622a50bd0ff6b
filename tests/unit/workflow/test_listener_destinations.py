"""Where a call-back may point: link-local, unspecified, multicast and broadcast addresses and URLs with
credentials are refused at registration (a clear ``refused-callback`` naming the reason, the credentials never
logged), so are loopback and private addresses unless ``allowed_destinations`` names them and the emulators' admin
paths (``refused_paths``), a host name that resolves to such an address is refused when the publisher connects, and
``[workflow.listeners] allowed_destinations`` restricts call-backs further (test_listener_destination_policy.py).
Nothing but 127.0.0.1 is contacted: name resolution is replaced where a test needs a name."""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import replace
from typing import Any

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import C, answer, command, envelope, text
from tests.unit.workflow.listener_kit import create, register
from tests.unit.workflow.local_listener import LOOPBACK, local_listener

pytestmark = pytest.mark.unit


def _refusal(client: WorkerTestClient, url: str) -> tuple[str | None, str]:
    refused = answer(client.request(envelope(*command("RegisterListener.valid-no-filter.xml", Callback=url))))
    assert refused.tag == f"{{{C}}}Error"
    return text(refused, "c:Code"), " ".join(refused.itertext())


@pytest.mark.parametrize(("url", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "link-local"), ("http://[fe80::1]/events", "link-local"),
    ("http://0.0.0.0:22/", "unspecified"), ("http://[::]/events", "unspecified"),
    ("http://224.0.0.1/events", "multicast"), ("http://[ff02::1]/events", "multicast"),
    ("http://255.255.255.255/events", "broadcast"), ("http://[::ffff:169.254.169.254]/", "link-local")])
def test_a_call_back_to_an_address_no_listener_has_is_refused_naming_why(
        url: str, reason: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    code, said = _refusal(client, url)
    assert code == "refused-callback" and reason in said
    assert runtime.store.listeners() == []


def test_a_call_back_with_credentials_is_refused_and_they_are_never_logged(
        client: WorkerTestClient, runtime: WorkflowRuntime, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        code, said = _refusal(client, "https://crm-user:S3cret-Pa55@crm.example.net/events")
    assert code == "refused-callback" and "user name or password" in said and "S3cret" not in said
    assert runtime.store.listeners() == []
    logged = [f"{r.getMessage()} {r.__dict__}" for r in caplog.records]
    assert logged and not any("S3cret" in line for line in logged)


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1:8101/events", "loopback"), ("http://[::1]:8101/", "loopback"),
    ("http://127.8.0.1/", "loopback"), ("http://localhost:8101/events", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://10.20.0.5/events", "private"),
    ("http://192.168.1.7/events", "private"), ("http://172.16.0.1/", "private"), ("http://100.64.0.1/", "private"),
    ("http://[fd00::1]/", "private")])
def test_loopback_and_private_addresses_are_refused_unless_named(
        url: str, reason: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """Deny by default (auth audit repro_01: a caller's listener POSTed to an emulator's admin API on 127.0.0.1)."""
    code, said = _refusal(client, url)
    assert code == "refused-callback" and reason in said and "allowed_destinations" in said
    assert runtime.store.listeners() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8101/events", "http://[::1]:8101/", "http://10.20.0.5/events",
                                 "https://crm.example.net/events", "https://203.0.114.9/events"])
def test_named_networks_and_names_and_public_addresses_are_taken(
        url: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    runtime.listener_settings = replace(LOOPBACK, allowed_networks=(*LOOPBACK.allowed_networks,
                                                                   ipaddress.ip_network("10.20.0.0/16"),
                                                                   ipaddress.ip_network("203.0.114.0/24")))
    register(client, url)
    assert [li.callback_url for li in runtime.store.listeners()] == [url]


def test_with_no_allowed_destinations_public_addresses_and_names_are_taken(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    for url in ("https://203.0.114.9/events", "https://crm.example.net/events"):
        register(client, url)
    assert len(runtime.store.listeners()) == 2


@pytest.mark.parametrize("url", ["http://127.0.0.1:8101/__admin/reset", "http://127.0.0.1:8101/__ADMIN/faults",
                                 "http://127.0.0.1:8101//__admin/reset", "http://127.0.0.1:8101/%5F%5Fadmin/reset",
                                 "http://127.0.0.1:8101/x/../__admin/reset", "https://crm.example.net/__admin"])
def test_the_emulators_admin_paths_are_refused_even_where_loopback_is_allowed(
        url: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    runtime.listener_settings = LOOPBACK
    code, said = _refusal(client, url)
    assert code == "refused-callback" and "refused_paths" in said
    assert runtime.store.listeners() == []


def test_a_name_resolving_to_a_refused_address_is_refused_when_the_publisher_connects(
        client: WorkerTestClient, runtime: WorkflowRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "metadata.test":  # as a name the registrant controls could resolve
            return real("169.254.169.254", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    runtime.listener_settings = LOOPBACK  # the live listener is on 127.0.0.1
    with local_listener() as alive:
        port = alive.url.split(":")[2].split("/")[0]
        sneaky = register(client, f"http://metadata.test:{port}/events")  # a name: taken at registration
        register(client, alive.url)
        create(client)
        publisher = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK)
        try:
            done = publisher.run_round()
        finally:
            publisher.stop()
        assert [(who, error) for who, _event, error in done.failed] == [
            (sneaky, "ConnectError: destination refused: 'metadata.test' resolves to 169.254.169.254: "
                     "169.254.169.254 is a link-local address")]
        assert len(alive.received) == 1
