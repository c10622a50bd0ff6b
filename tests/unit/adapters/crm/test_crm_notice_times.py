"""The CRM adapter reads an outage notice's times as xs:dateTime (audit of the bulletin): T24:00:00 goes to CRM as
written, a year no ``datetime`` holds is dead-lettered with the reason, as the bulletin and the workflow refuse it."""

from __future__ import annotations

import pytest

from tests.unit.adapters.crm.test_crm_adapter import Crm, crm  # noqa: F401 - the fixture
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit
START = b"<nsp:Start>2026-11-23T08:35:00+08:00</nsp:Start>"


def test_hour_24_is_sent_and_a_year_beyond_range_dead_lettered(crm: Crm) -> None:  # noqa: F811
    h24 = crm.client.send(command("nsp/OutageNotice.valid-fault.xml", message_id="nsp-h24", correlation_id=None,
                                  replace={START: b"<nsp:Start>2026-11-22T24:00:00+08:00</nsp:Start>"}))
    assert h24.processed and len(crm.client.sent) == 1
    y10k = crm.client.send(command("nsp/OutageNotice.valid-fault.xml", message_id="nsp-y10k", correlation_id=None,
                                   replace={START: b"<nsp:Start>10000-01-01T00:00:00+08:00</nsp:Start>"}))
    assert y10k.dead and "Start" in (y10k.reason or "") and "1-9999" in (y10k.reason or "")
    assert len(crm.client.sent) == 1
