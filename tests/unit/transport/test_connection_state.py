"""A broker outage is logged once when it starts and once when every connection is back."""

from __future__ import annotations

import logging

import pytest

from hub.transport.amqp.nodes import ConnectionState

pytestmark = pytest.mark.unit


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_one_line_per_state_change_however_many_connections_and_attempts(caplog: pytest.LogCaptureFixture) -> None:
    state = ConnectionState()
    with caplog.at_level(logging.WARNING, logger="onepoint.transport"):
        state.lost("amqp-io", "127.0.0.1:5673", "connection reset")
        state.lost("loop-publisher", "127.0.0.1:5673", "connection reset")
        state.lost("amqp-io", "127.0.0.1:5674", "refused")  # a failed attempt on the next node
        assert warnings(caplog) == ["broker connection lost; reconnecting"]
        state.back("amqp-io", "127.0.0.1:5674")
        assert len(warnings(caplog)) == 1  # the loop publisher is still away
        state.back("loop-publisher", "127.0.0.1:5674")
        state.back("loop-publisher", "127.0.0.1:5674")  # no outage: nothing to report
    assert warnings(caplog) == ["broker connection lost; reconnecting", "broker connection re-established"]


def test_a_connection_closed_for_good_is_not_waited_for(caplog: pytest.LogCaptureFixture) -> None:
    state = ConnectionState()
    with caplog.at_level(logging.WARNING, logger="onepoint.transport"):
        state.lost("loop-publisher", "127.0.0.1:5673", "reset")
        state.forget("loop-publisher")
        state.lost("amqp-io", "127.0.0.1:5673", "reset")  # a new outage
    assert warnings(caplog) == ["broker connection lost; reconnecting"] * 2
