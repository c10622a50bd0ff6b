"""The call-backs' destination policy on its own: ``[workflow.listeners]`` read and checked, its networks and
host-name suffixes, the addresses no listener ever has, and URLs shown without their credentials."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from hub.config.settings import load_settings
from hub.config.workflow import ListenerSettings, parse_workflow
from hub.workflow.destinations import DestinationPolicy, redacted

pytestmark = pytest.mark.unit


def test_allowed_destinations_restrict_call_backs_to_their_networks_and_host_names() -> None:
    settings = parse_workflow({"listeners": {"allowed_destinations": ["10.20.0.0/16", ".crm.example.net",
                                                                      "oa.example.net"]}}, "hub.toml").listeners
    assert settings.allowed_networks == (ipaddress.ip_network("10.20.0.0/16"),)
    assert settings.allowed_host_suffixes == (".crm.example.net", ".oa.example.net")
    policy = DestinationPolicy(settings)
    assert policy.url_problem("http://10.20.3.4/events") is None
    assert "loopback address, refused unless" in (policy.url_problem("http://127.0.0.1/events") or "")
    assert "outside the allowed destinations" in (policy.url_problem("http://198.51.99.1/events") or "")
    assert policy.url_problem("https://events.crm.example.net/x") is None
    assert policy.url_problem("https://oa.example.net/x") is None
    # a name outside the suffixes may still resolve into an allowed network: its addresses are checked on connect
    assert policy.url_problem("https://other.example.org/x") is None
    assert policy.address_check("https://other.example.org/x")("10.99.0.1") is not None
    assert policy.address_check("https://events.crm.example.net/x")("203.0.113.9") is None
    assert "link-local" in (policy.address_check("https://events.crm.example.net/x")("169.254.169.254") or "")
    only_names = DestinationPolicy(ListenerSettings(allowed_host_suffixes=(".crm.example.net",)))
    assert "not among the allowed destinations" in (only_names.url_problem("https://other.example.org/") or "")


@pytest.mark.parametrize("bad", [{"allowed_destinations": "10.0.0.0/8"}, {"allowed_destinations": ["10.0.0.300/8"]},
                                 {"max_per_system": 0}, {"park_after_failures": "ten"}, {"nonsense": 1},
                                 {"delivery_threads": 0}, {"delivery_threads": 1001}, {"delivery_threads": 2.5}])
def test_bad_listener_settings_are_named(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="listeners"):
        parse_workflow({"listeners": bad}, "hub.toml")


def test_the_most_delivery_threads_is_a_setting_of_its_own() -> None:
    assert parse_workflow({}, "hub.toml").listeners.delivery_threads == ListenerSettings().delivery_threads == 32
    assert parse_workflow({"listeners": {"delivery_threads": 200}}, "hub.toml").listeners.delivery_threads == 200
    assert load_settings(None).workflow.listeners.delivery_threads == 32  # the packaged defaults


def test_urls_are_shown_without_their_credentials() -> None:
    assert redacted("https://u:p@crm.example.net/e?x=1") == "https://crm.example.net/e?x=1"
    assert redacted("https://crm.example.net/e") == "https://crm.example.net/e"
    # one httpx cannot read is shown as given, for what its caller must recognise, without its credentials
    assert redacted("http://0177.0.0.1:99999/e") == "http://0177.0.0.1:99999/e"
    assert redacted("http://u:p@0177.0.0.1:99999/e") == "http://0177.0.0.1:99999/e"
    assert "user name or password" in (DestinationPolicy().url_problem("http://u:p@10.0.0.1/") or "")


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::7f00:1", "loopback"), ("10.1.2.3", "private"),
    ("172.31.0.1", "private"), ("192.168.0.1", "private"), ("100.64.0.1", "private"), ("fd12::1", "private"),
    ("198.18.0.1", "private"), ("240.0.0.1", "private")])
def test_addresses_that_are_not_public_are_refused_by_default(address: str, kind: str) -> None:
    """Deny by default: no caller makes the hub POST to the services beside it (auth audit repro_01)."""
    policy = DestinationPolicy()
    said = policy.address_problem(address) or ""
    assert kind in said and "allowed_destinations names it" in said
    assert policy.address_check("https://listener.example.net/")(address) == said  # on connect too
    assert policy.address_problem("198.51.99.1") is None  # a public address is not


def test_allowed_destinations_name_loopback_and_private_networks_and_names() -> None:
    settings = parse_workflow({"listeners": {"allowed_destinations": ["127.0.0.1/32", "::1", "10.20.0.0/16",
                                                                      "crm.internal"]}}, "hub.toml").listeners
    policy = DestinationPolicy(settings)
    for url in ("http://127.0.0.1:8080/events", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://10.20.9.9/"):
        assert policy.url_problem(url) is None, url
    assert policy.address_check("https://events.crm.internal/")("10.99.0.1") is None  # a named host's address
    assert "private" in (policy.url_problem("http://10.21.0.1/") or "")
    assert "loopback" in (policy.url_problem("http://127.0.0.2/") or "")
    assert "loopback" in (DestinationPolicy().url_problem("http://localhost:8000/events") or "")
    assert "loopback" in (DestinationPolicy().url_problem("http://api.localhost./events") or "")
    assert DestinationPolicy(ListenerSettings(allowed_host_suffixes=(".localhost",))).url_problem(
        "http://localhost/events") is None


@pytest.mark.parametrize("path", ["/__admin/reset", "/__ADMIN/faults", "//__admin/reset", "/%5F%5Fadmin/reset",
                                  "/x/../__admin/reset", "/__admin", "/x/%2E%2E/__admin/faults",
                                  "/x/..%2F__admin/faults", "/x/%2e./__admin/faults", "/x/..%5C__admin/faults"])
def test_refused_paths_are_refused_however_written(path: str) -> None:
    assert "refused_paths" in (DestinationPolicy().url_problem(f"https://listener.example.net{path}") or "")
    assert DestinationPolicy(ListenerSettings(refused_paths=())).url_problem(
        f"https://listener.example.net{path}") is None
    assert DestinationPolicy().url_problem("https://listener.example.net/events/__admin/x") is None


def test_refused_paths_are_read_and_checked() -> None:
    assert parse_workflow({}, "hub.toml").listeners.refused_paths == ("/__admin/",)
    assert parse_workflow({"listeners": {"refused_paths": ["/Ops/", "/x"]}}, "hub.toml").listeners.refused_paths == (
        "/ops/", "/x")
    assert parse_workflow({"listeners": {"refused_paths": []}}, "hub.toml").listeners.refused_paths == ()
    for bad in ("/__admin/", ["admin/"], [1]):
        with pytest.raises(ValueError, match="refused_paths"):
            parse_workflow({"listeners": {"refused_paths": bad}}, "hub.toml")


def test_the_development_defaults_name_loopback_and_a_file_of_ones_own_does_not() -> None:
    built_in = DestinationPolicy(load_settings().workflow.listeners)
    assert built_in.url_problem("http://127.0.0.1:8101/events") is None  # the development systems' listeners
    assert "refused_paths" in (built_in.url_problem("http://127.0.0.1:8101/__admin/reset") or "")
    assert "private" in (built_in.url_problem("http://10.0.0.1/events") or "")
    assert "loopback" in (DestinationPolicy(parse_workflow({}, "hub.toml").listeners).url_problem(
        "http://127.0.0.1:8101/events") or "")
