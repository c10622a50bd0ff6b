"""HttpExchange: requests on httpx's transport with the gateway's headers and timeouts; the environment's proxy."""

from __future__ import annotations

import httpx
import pytest
import respx

from hub.gateways.exchange import HttpExchange, environment_proxy

pytestmark = pytest.mark.unit
URL = "http://boss.example:8101/xml"


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_a_post_carries_the_headers_and_timeouts_and_reads_the_whole_answer() -> None:
    exchange = HttpExchange(URL, httpx.Timeout(3.5, connect=0.5), {"authorization": "Bearer t"})
    with respx.mock() as router:
        route = router.post(URL).respond(503, content=b"<busy/>")
        response = exchange.post(URL, b"<q/>", {"x-extra": "1"})
    exchange.close()
    assert exchange.is_closed
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer t" and request.headers["x-extra"] == "1"
    assert request.extensions["timeout"] == {"connect": 0.5, "read": 3.5, "write": 3.5, "pool": 3.5}
    assert request.content == b"<q/>"
    assert response.content == b"<busy/>"
    with pytest.raises(httpx.HTTPStatusError):  # the response knows its request, as a client's does
        response.raise_for_status()


def test_the_environments_proxy_is_used_unless_no_proxy_names_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    assert environment_proxy(URL) is None
    monkeypatch.setenv("ALL_PROXY", "http://proxy.example:3128")
    assert environment_proxy(URL) == "http://proxy.example:3128"
    monkeypatch.setenv("HTTP_PROXY", "http://web-proxy.example:8080")
    assert environment_proxy(URL) == "http://web-proxy.example:8080"
    for bypass in ("boss.example", ".example", "other.test, example", "*"):
        monkeypatch.setenv("NO_PROXY", bypass)
        assert environment_proxy(URL) is None, bypass
    monkeypatch.setenv("NO_PROXY", "other.test,ample")
    assert environment_proxy(URL) == "http://web-proxy.example:8080"
