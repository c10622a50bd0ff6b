"""A connection reset on a connection whose client already left (it timed out while a latency fault held its
request) ends quietly: no "Exception in ASGI application" for each held request."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from emulators.toolkit import EmulatorHandle, start_emulator
from tests.unit.emulators.demo_apps import make_xml_emulator, ping

pytestmark = pytest.mark.integration

WAIT = 10.0  # a bound on waiting for a state change, never a timing assertion


class ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_errors() -> Iterator[list[logging.LogRecord]]:
    handler = ErrorRecords()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def demo() -> Iterator[EmulatorHandle]:
    with start_emulator(make_xml_emulator(seed=42)) as handle:
        yield handle


def give_up(handle: EmulatorHandle, times: int) -> None:
    """Requests whose client times out before the emulator answers."""
    for _ in range(times):
        with pytest.raises(httpx.TimeoutException):
            httpx.post(handle.url("/"), content=ping(), timeout=0.2)


def wait_until_journalled(handle: EmulatorHandle, count: int) -> None:
    deadline = time.monotonic() + WAIT
    while handle.admin.count() < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_an_admin_reset_after_the_clients_left_logs_no_error(demo, server_errors):
    demo.admin.add_fault("latency", distribution="fixed", seconds=30)
    give_up(demo, 3)
    time.sleep(0.3)  # the server has seen the clients go
    demo.admin.reset()
    time.sleep(0.3)  # the released requests reset their connections
    assert demo.http.post("/", content=ping()).status_code == 200
    assert [record.getMessage() for record in server_errors] == []


def test_a_reset_fault_after_the_client_left_logs_no_error(demo, server_errors):
    demo.admin.add_fault("latency", distribution="fixed", seconds=0.6)
    demo.admin.add_fault("reset")
    give_up(demo, 1)
    wait_until_journalled(demo, 1)
    time.sleep(0.2)
    assert demo.admin.count() == 1
    assert [record.getMessage() for record in server_errors] == []
