"""A separate ``onepoint worker`` builds the hub's links in what it sends (OA work-order links, outage notices'
bulletin link) from ``[server]`` when no ``public_url`` is set: it says so at start, and names what to set; with a
wildcard ``[server] host`` the link names no reachable hub (audit of "Moving one hub to several")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.settings import load_settings
from hub.system.links import unreached_links
from tests.support.servers import free_port

pytestmark = pytest.mark.unit


def test_links_from_the_server_address_are_named_with_what_to_set() -> None:
    warning = unreached_links(load_settings(), "workflow")
    assert warning is not None
    assert "http://127.0.0.1:8000" in warning and "[server] public_url" in warning
    assert "no reachable hub" not in warning


def test_a_wildcard_host_makes_a_link_that_names_no_reachable_hub() -> None:
    for host in ("0.0.0.0", "::"):  # noqa: S104 (never bound: the settings a worker would build its links from)
        warning = unreached_links(replace(load_settings(), host=host, port=8080), "workflow")
        assert warning is not None and "no reachable hub" in warning and "[server] public_url" in warning


def test_a_public_url_or_links_set_by_the_deployment_need_no_warning() -> None:
    built_in = load_settings()
    assert unreached_links(replace(built_in, public_url="https://hubs.example.com"), "workflow") is None
    own = replace(built_in, workflow=replace(built_in.workflow, link="https://hubs.example.com/wo/{work_order_id}"))
    assert unreached_links(own, "workflow") is None


def test_only_the_consumers_that_send_the_links_warn() -> None:
    assert unreached_links(load_settings(), "oa") is not None  # the outage notices' bulletin link
    assert unreached_links(load_settings(), "boss") is None


def test_the_worker_logs_the_warning_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens at the broker's port: the worker stops there, after its start's warnings."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hubs.toml").write_text('[server]\nhost = "0.0.0.0"\nport = 8080\n'
                                        f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/"\n')
    result = CliRunner().invoke(main, ["worker", "workflow", "--config", "hubs.toml", "--log-level", "WARNING",
                                       "--log-format", "text"])
    assert result.exit_code != 0, result.output
    assert "no reachable hub" in result.stderr and "set [server] public_url" in result.stderr, result.stderr
