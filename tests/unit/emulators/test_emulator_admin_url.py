"""``onepoint emulator journal|fault|reset|state URL`` takes the admin API's URL ``onepoint serve`` prints
(``http://127.0.0.1:N/__admin/``) as well as the emulator's base URL (audit: it asked /__admin/__admin/state, 404)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import emulators.toolkit
from emulators.toolkit import EmulatorAdmin
from hub.cli.emulator_admin import emulator
from hub.cli.emulator_url import emulator_url

pytestmark = pytest.mark.unit

FORMS = ["http://127.0.0.1:8101", "http://127.0.0.1:8101/", "http://127.0.0.1:8101/__admin",
         "http://127.0.0.1:8101/__admin/", " http://127.0.0.1:8101/__admin/ "]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs the commands ask, of an emulator answering its admin API only (no network)."""
    urls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        if request.url.path == "/__admin/state":
            return httpx.Response(200, json={"subscribers": 1000})
        if request.url.path == "/__admin/faults" and request.method == "GET":
            return httpx.Response(200, json={"faults": []})
        return httpx.Response(404, json={"error": f"no admin resource {request.url.path}"})

    def admin(base_url: str) -> Any:
        return EmulatorAdmin(client=httpx.Client(base_url=base_url, transport=httpx.MockTransport(answer)))

    monkeypatch.setattr(emulators.toolkit, "EmulatorAdmin", admin)
    return urls


@pytest.mark.parametrize("url", FORMS)
def test_state_takes_the_base_url_and_the_admin_api_url_serve_prints(url: str, asked: list[str]) -> None:
    result = CliRunner().invoke(emulator, ["state", url])
    assert result.exit_code == 0, result.output
    assert '"subscribers": 1000' in result.output
    assert asked == ["http://127.0.0.1:8101/__admin/state"]


def test_fault_takes_the_admin_api_url_serve_prints(asked: list[str]) -> None:
    result = CliRunner().invoke(emulator, ["fault", "http://127.0.0.1:8101/__admin/", "list"])
    assert result.exit_code == 0, result.output
    assert asked == ["http://127.0.0.1:8101/__admin/faults"]


@pytest.mark.parametrize(("url", "base"), [
    *((form, "http://127.0.0.1:8101") for form in FORMS),
    ("https://emulators.example.com/nsp/__admin/", "https://emulators.example.com/nsp"),  # behind a proxy's prefix
    ("http://127.0.0.1:8101/nsp", "http://127.0.0.1:8101/nsp"),
])
def test_a_final_admin_path_is_taken_off(url: str, base: str) -> None:
    assert emulator_url(None, None, url) == base


@pytest.mark.parametrize(("url", "problem"), [
    ("127.0.0.1:8101", "is not an emulator's http:// or https:// URL"),
    ("ftp://127.0.0.1:8101", "is not an emulator's http:// or https:// URL"),
    ("http://127.0.0.1:99999/__admin/", "has no valid port"),
    ("http://127.0.0.1:8101/__admin/?x=1", "without a query or fragment"),
])
def test_what_is_no_emulator_url_is_a_usage_error(url: str, problem: str, asked: list[str]) -> None:
    result = CliRunner().invoke(emulator, ["state", url])
    assert result.exit_code == 2 and problem in result.output, result.output
    assert asked == []


@pytest.mark.parametrize("command", [["state"], ["journal"], ["reset"], ["fault"], []])
def test_help_says_which_urls_are_taken(command: list[str]) -> None:
    shown = " ".join(CliRunner().invoke(emulator, [*command, "--help"]).output.split())
    assert "base URL (http://127.0.0.1:8103" in shown and "admin API (http://127.0.0.1:8103/__admin/" in shown
