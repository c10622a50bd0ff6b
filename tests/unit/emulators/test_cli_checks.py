"""What ``onepoint emulate`` and ``onepoint emulator`` refuse before any work: a --hub-url no call-back could reach
(a usage error at start, not five failed tries when a call-back is due), and an answer that is not the admin API's
(one line, never a JSONDecodeError traceback)."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from emulators.toolkit import AdminAPIError, EmulatorAdmin
from hub.cli.emulate import emulate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("url", "problem"), [
    ("127.0.0.1:8000", "not an http:// or https:// URL"),
    ("ftp://127.0.0.1:8000", "not an http:// or https:// URL"),
    ("not a url", "not an http:// or https:// URL"),
    ("http://127.0.0.1:99999", "no valid port"),
    ("http://127.0.0.1:0", "no host and port"),
    ("http://:8000", "no host and port"),
    ("http://127.0.0.1:8000/?x=1", "without a query"),
    ("http://hub:secret@127.0.0.1:8000", "user name"),
])
def test_a_hub_url_no_call_back_could_reach_is_a_usage_error(url, problem):
    result = CliRunner().invoke(emulate, ["oa", "--port", "0", "--hub-url", url])
    assert result.exit_code == 2, result.output
    assert "--hub-url" in result.output and problem in result.output


@pytest.mark.parametrize("body", [b"<html><body>Welcome</body></html>", b"[1, 2]", b""])
def test_an_answer_that_is_not_the_admin_api_is_an_admin_api_error(body):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body,
                                                                   headers={"content-type": "text/html"}))
    client = httpx.Client(transport=transport, base_url="http://127.0.0.1:9")
    expected = "is text/html, not a JSON object: is this an emulator's base URL"
    with EmulatorAdmin(client=client) as admin, pytest.raises(AdminAPIError, match=expected):
        admin.state()


def test_an_error_answer_whose_json_is_no_object_keeps_its_text():
    transport = httpx.MockTransport(lambda request: httpx.Response(502, json=["bad gateway"]))
    client = httpx.Client(transport=transport, base_url="http://127.0.0.1:9")
    with EmulatorAdmin(client=client) as admin, pytest.raises(AdminAPIError, match=r"502: \[\"bad gateway\"\]"):
        admin.reset()


@pytest.mark.parametrize(("system", "option", "problem"), [
    ("boss", "nonsense=1", "boss takes no option 'nonsense'; it takes: body_cap, hlr_drift_share,"),
    ("boss", 'hlr_drift_share="x"', "boss's hlr_drift_share is a number (JSON), got \"x\""),
    ("nsp", "auto_reply=1", "nsp's auto_reply is true or false (JSON), got 1"),
    ("oa", "max_items=true", "oa's max_items is an integer (JSON), got true"),
])
def test_an_option_the_emulator_does_not_take_is_a_usage_error_naming_it(system, option, problem):
    result = CliRunner().invoke(emulate, [system, "--port", "0", "-o", option])
    assert result.exit_code == 2, result.output
    assert "--option" in result.output and problem in result.output


@pytest.mark.parametrize(("arguments", "missing"), [
    (["nsp", "--port", "0"], "nsp call"),
    (["all", "--base-port", "0", "--hub-token", "nsp=t"], "oa and mail call"),
    (["all", "--base-port", "0", "--hub-token", "nsp=t", "--hub-token", "mail=t"], "oa call"),
    (["all", "--base-port", "0"], "nsp, oa and mail call"),
])
def test_an_emulator_calling_the_hub_back_without_a_token_is_a_usage_error(arguments, missing):
    """Every call-back without a token is refused 401 (a WARNING a call): the work orders wait for replies that
    never come. Refused at start, naming the emulators and the development tokens a built-in hub takes."""
    result = CliRunner().invoke(emulate, [*arguments, "--hub-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert missing in result.output and "--hub-token" in result.output
    assert "nsp-dev-token" in result.output or "oa-dev-token" in result.output
