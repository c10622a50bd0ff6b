"""The call-backs' destination policy on its own: ``[workflow.listeners]`` read and checked, its networks and
host-name suffixes, the addresses no listener ever has, and URLs shown without their credentials."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

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
    assert "outside the allowed destinations" in (policy.url_problem("http://127.0.0.1/events") or "")
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
                                 {"max_per_system": 0}, {"park_after_failures": "ten"}, {"nonsense": 1}])
def test_bad_listener_settings_are_named(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="listeners"):
        parse_workflow({"listeners": bad}, "hub.toml")


def test_urls_are_shown_without_their_credentials() -> None:
    assert redacted("https://u:p@crm.example.net/e?x=1") == "https://crm.example.net/e?x=1"
    assert redacted("https://crm.example.net/e") == "https://crm.example.net/e"
    assert "user name or password" in (DestinationPolicy().url_problem("http://u:p@10.0.0.1/") or "")
