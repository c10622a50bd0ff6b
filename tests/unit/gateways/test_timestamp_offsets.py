"""``timestamp`` writes an ``xs:dateTime`` (``c:Timestamp``) whatever offset the moment has: one in whole minutes
within 14 hours as it is, any other (seconds, as Shanghai's local mean time before 1901; beyond 14 hours, which a
``datetime`` takes up to 24) as the same instant in UTC. Before, ``isoformat`` kept the seconds (``+08:05:43``),
which no schema of the hub's systems takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from hub.gateways.documents import timestamp
from hub.validation import schema_directory

pytestmark = pytest.mark.unit

XS = "http://www.w3.org/2001/XMLSchema"


def _timestamp_schema() -> etree.XMLSchema:
    """``c:Timestamp`` as common.xsd declares it, for one element."""
    with schema_directory() as directory:
        common = (directory / "common.xsd").as_uri()
        root = etree.fromstring(
            f'<xs:schema xmlns:xs="{XS}" xmlns:c="urn:onepoint:common:1" targetNamespace="urn:test" '
            f'elementFormDefault="qualified"><xs:import namespace="urn:onepoint:common:1" schemaLocation="{common}"/>'
            f'<xs:element name="At" type="c:Timestamp"/></xs:schema>')
        return etree.XMLSchema(root)


SCHEMA = _timestamp_schema()


@pytest.mark.parametrize(("moment", "written"), [
    (datetime(2026, 11, 23, 8, 40, tzinfo=timezone(timedelta(hours=8))), "2026-11-23T08:40:00.000+08:00"),
    (datetime(2026, 11, 23, 1, 15, tzinfo=UTC), "2026-11-23T01:15:00.000+00:00"),
    (datetime(2026, 11, 23, 8, 40, tzinfo=timezone(-timedelta(hours=14))), "2026-11-23T08:40:00.000-14:00"),
    (datetime(2026, 11, 23, 8, 40, tzinfo=timezone(timedelta(hours=8, seconds=30))), "2026-11-23T00:39:30.000Z"),
    (datetime(1900, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")), "1899-12-31T23:54:17.000Z"),  # +08:05:43
    (datetime(2026, 11, 23, 8, 40, tzinfo=timezone(timedelta(hours=20))), "2026-11-22T12:40:00.000Z"),
    (datetime(2026, 11, 23, 8, 40, tzinfo=timezone(-timedelta(hours=14, minutes=1))), "2026-11-23T22:41:00.000Z"),
])
def test_the_offset_is_one_xs_datetime_carries(moment: datetime, written: str) -> None:
    assert timestamp(moment) == written
    assert datetime.fromisoformat(written) == moment
    document = etree.fromstring(f'<At xmlns="urn:test">{written}</At>')
    assert SCHEMA.validate(document), SCHEMA.error_log
