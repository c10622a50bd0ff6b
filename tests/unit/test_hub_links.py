"""The links the hub sends (OA items, outage notices) follow the address it serves on, unless set in the config."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.config import load_settings
from hub.system import links_to

pytestmark = pytest.mark.unit


def test_the_built_in_links_follow_the_hubs_address() -> None:
    settings = links_to(load_settings(), "http://127.0.0.1:18123")
    assert settings.workflow.link == "http://127.0.0.1:18123/workorders/{work_order_id}"
    oa = next(adapter for adapter in settings.adapters if adapter.system == "oa")
    assert oa.options["notice_link"] == "http://127.0.0.1:18123/bulletin?notice={notice_id}"


def test_links_a_deployment_set_itself_are_kept() -> None:
    built_in = load_settings()
    own = replace(built_in, workflow=replace(built_in.workflow, link="https://hub.example/wo/{work_order_id}"))
    assert links_to(own, "http://127.0.0.1:18123").workflow.link == "https://hub.example/wo/{work_order_id}"


def test_the_public_url_follows_the_hubs_address_unless_configured() -> None:
    assert load_settings().hub_url == "http://127.0.0.1:8000"  # [server] host and port
    moved = links_to(load_settings(), "http://127.0.0.1:18123/")
    assert (moved.public_url, moved.hub_url) == ("http://127.0.0.1:18123", "http://127.0.0.1:18123")
    own = replace(load_settings(), public_url="https://hub.example.com")
    assert links_to(own, "http://127.0.0.1:18123").hub_url == "https://hub.example.com"


def test_with_a_public_url_the_built_in_links_follow_it_not_the_address_served_on() -> None:
    """An OA user's browser reaches the hub by its public name (--public-url), not by 127.0.0.1 of the hub's own
    machine: a loopback link in a manager's to-read is dead (audit of the README)."""
    own = replace(load_settings(), public_url="https://hub.example.com")
    moved = links_to(own, "http://127.0.0.1:18123")
    assert moved.workflow.link == "https://hub.example.com/workorders/{work_order_id}"
    oa = next(adapter for adapter in moved.adapters if adapter.system == "oa")
    assert oa.options["notice_link"] == "https://hub.example.com/bulletin?notice={notice_id}"


def test_a_separate_worker_links_to_the_hub_its_settings_name() -> None:
    """``onepoint worker`` serves nothing: the [server] address (or public URL) of its settings is the hub's."""
    served = replace(load_settings(), port=39001)
    assert links_to(served, None).workflow.link == "http://127.0.0.1:39001/workorders/{work_order_id}"
    public = replace(served, public_url="https://hub.example.com")
    assert links_to(public, None).workflow.link == "https://hub.example.com/workorders/{work_order_id}"
