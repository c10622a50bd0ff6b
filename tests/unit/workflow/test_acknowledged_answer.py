"""The Ack every workflow answer begins with (``hub.workflow.answers.acknowledged_answer``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.envelope import Envelope
from hub.workflow.answers import acknowledged_answer

C = "urn:onepoint:common:1"


def _envelope(correlation_id: str | None = None) -> Envelope:
    return Envelope(message_id="m-1", command_type="workorder.QueryWorkOrder", source_system="CS", payload=b"<x/>",
                    correlation_id=correlation_id)


@pytest.mark.parametrize(("moment", "written"), [
    (datetime(2026, 12, 7, 5, 0, 0, 123456, tzinfo=UTC), "2026-12-07T05:00:00.123+00:00"),
    (datetime(2026, 12, 7, 13, 0, tzinfo=timezone(timedelta(hours=8))), "2026-12-07T13:00:00.000+08:00"),
    # an offset with seconds (Shanghai's local mean time) has no xs:dateTime form: the same instant in UTC
    (datetime(1900, 1, 1, 8, 5, 43, tzinfo=timezone(timedelta(hours=8, minutes=5, seconds=43))),
     "1900-01-01T00:00:00.000Z"),
])
def test_received_at_is_an_xs_datetime_whatever_the_offset(moment: datetime, written: str) -> None:
    root = acknowledged_answer("QueryWorkOrderResponse", _envelope(), moment)
    assert root.findtext(f"{{urn:onepoint:workorder:1}}Ack/{{{C}}}ReceivedAt") == written


def test_the_ack_names_the_message_and_its_correlation() -> None:
    ack = acknowledged_answer("QueryWorkOrderResponse", _envelope("c-9"), datetime.now(UTC))[0]
    assert [child.text for child in ack][:3] == ["m-1", "c-9", "COMPLETED"]
    assert acknowledged_answer("X", _envelope(), datetime.now(UTC))[0].find(f"{{{C}}}CorrelationId") is None
