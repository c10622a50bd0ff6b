"""The CRM emulator keeps the newest version of an area outage (audit of the bulletin): a stale ACTIVE after the
clearance tells nobody, a revision adding an area tells the account managers there (only them), a clearance
without a Revision clears the kept revision."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulators.crm.state import AreaOutage, CrmState

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
Areas = tuple[tuple[str, str | None], ...]


@pytest.fixture(scope="module")
def state() -> CrmState:
    return CrmState(seed=0, subscribers=1000)


def tell(state: CrmState, message_id: str, status: str, revision: int | None, areas: Areas) -> AreaOutage:
    return state.notify_area(message_id=message_id, outage_notice_id="FLT-20261205-0001", status=status,
                             kind="FAULT", revision=revision, title="Fibre cut", areas=areas, services=("VOICE",),
                             received=NOW)


def managers(told: AreaOutage) -> set[str]:
    return {m.account_manager_id for m in told.managers}


def test_a_stale_active_after_the_clearance_tells_nobody(state: CrmState) -> None:
    state.reset()
    cleared = tell(state, "m-clear-r2", "CLEARED", 2, (("0755", None),))
    late = tell(state, "m-active-r1", "ACTIVE", 1, (("0755", None),))
    assert late.repeat and late.status == "CLEARED" and late.revision == 2
    assert [(o.status, o.revision, o.repeat) for o in state.area_outages()] == [("CLEARED", 2, False)]
    assert managers(cleared) == {m.account_manager_id for m in state.managers_in((("0755", None),))}


def test_a_revision_adding_an_area_tells_the_managers_there_only(state: CrmState) -> None:
    state.reset()
    first = tell(state, "m-r1", "ACTIVE", 1, (("0755", None),))
    widened = tell(state, "m-r2", "ACTIVE", 2, (("0755", None), ("0757", None)))
    in_0757 = {m.account_manager_id for m in state.managers_in((("0757", None),))}
    assert in_0757 and not widened.repeat
    assert managers(widened) == in_0757 - managers(first)
    again = tell(state, "m-r2-resent", "ACTIVE", 2, (("0755", None), ("0757", None)))
    assert again.repeat


def test_a_clearance_without_revision_clears_the_kept_revision(state: CrmState) -> None:
    state.reset()
    active = tell(state, "m-r1", "ACTIVE", 1, (("0755", None),))
    tell(state, "m-r3", "ACTIVE", 3, (("0755", None),))
    cleared = tell(state, "m-clear", "CLEARED", None, (("0755", None),))
    assert (cleared.revision, cleared.repeat) == (3, False)
    assert managers(cleared) == managers(active)


def test_a_withdrawal_tells_everyone_told_it_was_active_and_nothing_after_it_tells_anyone(state: CrmState) -> None:
    state.reset()
    active = tell(state, "m-r1", "ACTIVE", 1, (("0755", None),))
    withdrawn = tell(state, "m-withdrawn", "WITHDRAWN", 2, (("0755", None),))
    assert (withdrawn.status, withdrawn.revision, withdrawn.repeat) == ("WITHDRAWN", 2, False)
    assert managers(withdrawn) == managers(active) and managers(active)
    for late in (tell(state, "m-clear", "CLEARED", None, (("0755", None),)),
                 tell(state, "m-r3", "ACTIVE", 3, (("0755", None), ("0757", None)))):
        assert late.repeat and late.status == "WITHDRAWN"
