"""QueryWorkOrders' ``After``: wo:PageCursor's pattern lets through cursors that name no time of the calendar (month
13, hour 25, year 0000). The hub never answered one, so the caller sent it by mistake: it is refused as such
(c:Error code ``bad-cursor`` naming the cursor, answered at once), not dead-lettered as the handler's failure."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from tests.unit.workflow.audit_kit import SCHEMA, created, query
from tests.unit.workflow.kit import WO, C, answer, command, envelope, text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("cursor", ["20261399T000000.000000Z_WO20261123AAAAAAAA",
                                    "20261123T250000.000000Z_WO20261123AAAAAAAA",
                                    "20261131T000000.000000Z_WO20261123AAAAAAAA",
                                    "00000101T000000.000000Z_WO20261123AAAAAAAA"])
def test_a_cursor_naming_no_time_is_refused_as_bad_cursor(client: WorkerTestClient, cursor: str) -> None:
    created(client)
    document, message_id = command("QueryWorkOrders.valid-no-filter.xml")
    for child in list(document)[1:]:
        document.remove(child)
    etree.SubElement(document, f"{{{WO}}}After").text = cursor
    assert SCHEMA.validate(document)  # the ingress lets it through
    result = client.request(envelope(document, message_id))
    assert not result.dead and not client.dead_letters
    refused = answer(result)
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-cursor"
    assert cursor in " ".join(refused.itertext())


def test_a_cursor_the_hub_gave_still_pages(client: WorkerTestClient) -> None:
    for number in range(3):
        created(client, Msisdn=f"1390000000{number}")
    first = query(client, PageSize="2")
    cursor = text(first, "wo:Next")
    assert cursor is not None
    rest = query(client, After=cursor, PageSize="2")
    assert text(rest, "wo:Total") == "3" and len(rest.findall(f"{{{WO}}}WorkOrder")) == 1


def test_a_window_whose_bounds_are_swapped_is_refused_as_bad_window(client: WorkerTestClient) -> None:
    """From after To held no work order and was answered Total 0 (a client that swapped the bounds believed there
    were none); QueryStatistics refused the same mistake already."""
    created(client)
    document, message_id = command("QueryWorkOrders.valid.xml")
    window = document.find(f"{{{WO}}}CreatedIn")
    assert window is not None
    window.find(f"{{{C}}}From").text, window.find(f"{{{C}}}To").text = (  # type: ignore[union-attr]
        "2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z")
    refused = answer(client.request(envelope(document, message_id)))
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-window"
    assert "swapped" in " ".join(refused.itertext())
