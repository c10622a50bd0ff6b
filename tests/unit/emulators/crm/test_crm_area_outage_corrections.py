"""CRM keeps the newest version of an area outage by NSP's NoticeSentAt too (audit of outage notices): NSP's
correction at the same revision is told (the account managers of an area it names are told; before, CRM answered
it DUPLICATE and kept the first version), the original sent before its correction and come after it tells nobody,
and an ACTIVE revision sent before the clearance CRM kept does not reopen the notice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulators.crm import create_emulator
from emulators.crm.state import AreaOutage, CrmState
from emulators.toolkit import in_process_emulator
from tests.unit.emulators.soap_helpers import COMMON_NS, CRM_NS, NS, assert_valid, body_child, envelope, header

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
SHENZHEN, FOSHAN = (("0755", None),), (("0757", None),)
Areas = tuple[tuple[str, str | None], ...]


@pytest.fixture(scope="module")
def state() -> CrmState:
    return CrmState(seed=0, subscribers=1000)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


def tell(state: CrmState, message_id: str, status: str, revision: int | None, areas: Areas, sent_at: datetime | None,
         title: str = "Fibre cut") -> AreaOutage:
    return state.notify_area(message_id=message_id, outage_notice_id="FLT-20261205-0001", status=status,
                             kind="FAULT", revision=revision, title=title, areas=areas, services=("VOICE",),
                             received=NOW, sent_at=sent_at)


def managers(told: AreaOutage) -> set[str]:
    return {m.account_manager_id for m in told.managers}


def test_a_correction_at_the_same_revision_tells_the_managers_of_the_area_it_names(state: CrmState) -> None:
    state.reset()
    first = tell(state, "m-original", "ACTIVE", 1, SHENZHEN, at(6, 30))
    corrected = tell(state, "m-corrected", "ACTIVE", 1, FOSHAN, at(6, 40), title="Fibre cut in Foshan")
    in_foshan = {m.account_manager_id for m in state.managers_in(FOSHAN)}
    assert not corrected.repeat and managers(corrected) == in_foshan - managers(first)
    assert managers(corrected)  # the seeded population has managed customers in Foshan
    kept = state.area_outages()
    assert [(o.title, o.areas, o.repeat) for o in kept] == [("Fibre cut", SHENZHEN, False),
                                                            ("Fibre cut in Foshan", FOSHAN, False)]


def test_the_original_after_its_correction_and_a_resend_tell_nobody(state: CrmState) -> None:
    state.reset()
    tell(state, "m-corrected", "ACTIVE", 1, FOSHAN, at(6, 40), title="Fibre cut in Foshan")
    assert tell(state, "m-original", "ACTIVE", 1, SHENZHEN, at(6, 30)).repeat
    assert tell(state, "m-again", "ACTIVE", 1, FOSHAN, at(6, 50), title="Fibre cut in Foshan").repeat  # unchanged
    # NSP said the correction again at 6:50: a variant sent at 6:45 is older than that
    assert tell(state, "m-between", "ACTIVE", 1, SHENZHEN, at(6, 45)).repeat
    assert [o.title for o in state.area_outages()] == ["Fibre cut in Foshan"]


def test_a_revision_sent_before_the_clearance_it_came_after_does_not_reopen_the_notice(state: CrmState) -> None:
    state.reset()
    tell(state, "m-r1", "ACTIVE", 1, SHENZHEN, at(1, 10))
    cleared = tell(state, "m-clear", "CLEARED", None, SHENZHEN, at(3, 10))
    late = tell(state, "m-r2", "ACTIVE", 2, SHENZHEN + FOSHAN, at(1, 20))
    assert late.repeat and (late.status, late.message_id) == ("CLEARED", cleared.message_id)
    reopened = tell(state, "m-r3", "ACTIVE", 3, SHENZHEN, at(4, 0))
    assert not reopened.repeat and reopened.status == "ACTIVE"


def area_outage(message_id: str, sent_at: str, title: str, area: str) -> bytes:
    return envelope(
        f'<crm:NotifyAreaOutage xmlns:crm="{CRM_NS}" xmlns:c="{COMMON_NS}">{header("crm", message_id)}'
        "<crm:OutageNoticeId>FLT-20261123-0007</crm:OutageNoticeId><crm:Revision>1</crm:Revision>"
        f"<crm:NoticeSentAt>{sent_at}</crm:NoticeSentAt><crm:Kind>FAULT</crm:Kind><crm:Status>ACTIVE</crm:Status>"
        f"<crm:Title>{title}</crm:Title><crm:Summary>Fault in {area}</crm:Summary>"
        f"<crm:Area><c:AreaCode>{area}</c:AreaCode></crm:Area><crm:Service>VOICE</crm:Service>"
        "<crm:Start>2026-11-23T08:35:00+08:00</crm:Start><crm:CustomerWording>抢修中</crm:CustomerWording>"
        "</crm:NotifyAreaOutage>")


def test_over_soap_a_correction_is_told_and_its_original_is_a_duplicate() -> None:
    app = create_emulator(seed=5, subscribers=500)
    handle = in_process_emulator(app)
    try:
        def post(message_id: str, sent_at: str, title: str, area: str) -> str:
            answer = body_child(handle.http.post("/", content=area_outage(message_id, sent_at, title, area),
                                                 headers={"content-type": "text/xml; charset=utf-8"}).content)
            assert_valid("crm", answer)
            return answer.findtext("crm:Ack/c:Status", namespaces=NS) or ""

        assert post("hub-outage-0000011", "2026-11-23T09:40:00+08:00", "Foshan: corrected", "0757") == "COMPLETED"
        assert post("hub-outage-0000012", "2026-11-23T01:10:00Z", "Shenzhen: original", "0755") == "DUPLICATE"
        assert post("hub-outage-0000013", "2026-11-23T09:50:00+08:00", "Shenzhen: again", "0755") == "COMPLETED"
        titles = [o["title"] for o in handle.state()["area_outages"]]
        assert titles == ["Foshan: corrected", "Shenzhen: again"]
    finally:
        handle.stop()
