"""The pytest plugin checks ``hub_url=`` as ``onepoint emulate --hub-url`` does (one check,
``emulators.hub_address``): a URL no call-back could reach fails the test at once, naming the emulator."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("url", "problem"), [
    ("127.0.0.1:9", "not an http:// or https:// URL"),
    ("http://127.0.0.1:0", "no host and port"),
    ("http://127.0.0.1:99999", "no valid port"),
    ("http://127.0.0.1:8000/?x=1", "without a query"),
    (8000, "not a URL string"),
])
def test_a_hub_url_no_call_back_could_reach_fails_the_test(emulator_factory, url, problem) -> None:
    with pytest.raises(pytest.fail.Exception, match=problem) as failed:
        emulator_factory("nsp", in_process=True, hub_url=url, hub_token="t")
    assert str(failed.value).startswith("nsp: hub_url ")


def test_a_good_hub_url_is_taken_as_given(emulator_factory) -> None:
    nsp = emulator_factory("nsp", in_process=True, hub_url=" http://127.0.0.1:9/hub ", hub_token="t")
    assert nsp.state()["config"]["hub_url"] == "http://127.0.0.1:9/hub"
