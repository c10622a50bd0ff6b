"""The mass-complaint incident tests of tests/unit/workflow/test_incidents.py, test_incidents_and_outages.py,
test_incident_resolution.py, test_incident_window_times.py and test_incident_key_release.py again on PostgreSQL (a
fresh database of the session's private cluster per test), and what only PostgreSQL can show: two transactions
crossing the threshold of one key at once open one incident, the second's complaint becoming its child; one of the
same minute queued behind the opening one is its child too; a complaint linked while the incident is being replied
is answered with it, and one that comes while the reply lets the key go is counted anew."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.commands import Complaint, action_request
from hub.workflow.incidents import MassComplaintRule
from hub.workflow.intake import IntakeOutcome
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.tiers import TierFacts
from tests.integration.workflow.lock_waits import SecondTransaction, waiting_for_a_lock
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.incident_kit import (
    CALLS,
    HALL,
    children,
    incidents,
    open_incident_rows,
    settings,
    window_rows,
)
from tests.unit.workflow.kit import START, command
from tests.unit.workflow.test_incident_key_release import (  # noqa: F401 - collected here too
    test_a_key_still_held_by_a_replied_incident_is_let_go_at_the_next_complaint,
    test_an_incident_its_department_rejected_lets_its_key_go,
    test_an_incident_replied_while_switched_off_answers_its_children_and_lets_its_key_go,
)
from tests.unit.workflow.test_incident_resolution import (  # noqa: F401 - collected here too
    test_a_result_of_the_whole_long_text_leaves_every_child_queryable,
    test_nsps_resolved_answer_on_a_paused_incident_brings_it_back_and_replies_every_child,
)
from tests.unit.workflow.test_incident_window_times import (  # noqa: F401 - collected here too
    test_a_burst_handled_an_hour_late_opens_its_incident,
    test_a_burst_handled_in_the_reverse_order_opens_its_incident,
    test_a_complaint_handled_hours_late_is_not_counted_with_later_ones,
)
from tests.unit.workflow.test_incidents import (  # noqa: F401 - collected here too
    statements,
    test_a_complaint_while_the_incident_is_open_is_linked_not_dispatched,
    test_a_lower_threshold_and_a_shorter_window_from_the_settings,
    test_a_rejected_child_gets_the_resolution_in_its_history_and_a_cancelled_incident_lets_its_key_go,
    test_an_incident_whose_template_cannot_be_filled_stays_accepted_for_the_manager,
    test_complaints_31_minutes_apart_are_not_one_window,
    test_counting_costs_the_same_statements_however_full_the_store,
    test_nine_complaints_open_nothing_and_the_tenth_opens_one_incident,
    test_nsps_resolved_answer_on_the_incident_resolves_its_children,
    test_other_intake_points_and_phenomena_are_counted_apart,
    test_replying_to_the_incident_replies_every_child_and_sends_it_to_return_visit,
    test_switched_off_ten_complaints_are_ten_complaints,
)
from tests.unit.workflow.test_incidents_and_outages import (  # noqa: F401 - collected here too
    test_an_incident_whose_children_the_notice_explains_is_linked_and_replied_with_every_child,
    test_complaints_an_outage_explained_do_not_count_towards_an_incident,
    test_one_customer_calling_ten_times_opens_no_incident,
    test_the_clearance_replies_an_incident_the_notice_explains_and_lets_its_key_go,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture
def runtime(database_url: str) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(settings(database_url), clock=ManualClock(START))
    yield opened
    opened.close()


def _complaint(number: int, area_code: str = "0755") -> Complaint:
    return Complaint(channel="HOTLINE", msisdn=f"1390013{number:04d}", contact_number=f"1390013{number:04d}",
                     category_code=CALLS, phenomenon="Cannot originate calls", description="calls fail",
                     occurred_at=START, location="Futian", area_code=area_code, district="Futian",
                     taken_by="agent-1024", message_id=f"cs-two-{number}", intake_point=HALL)


def _mass_rule(runtime: WorkflowRuntime) -> MassComplaintRule:
    (rule,) = [r for r in runtime.intake_rules if isinstance(r, MassComplaintRule)]
    return rule


def _take(runtime: WorkflowRuntime, number: int, minutes: float, *,
          area_code: str = "0755") -> tuple[str, IntakeOutcome | None]:
    """One complaint created and put through the mass-complaint rule in its own committed transaction."""
    now = START + timedelta(minutes=minutes)
    complaint = _complaint(number, area_code)
    with runtime.store.transaction(f"cs-two-{number}") as tx:
        created = runtime.engine.create(tx, complaint, TierFacts("", "PREPAID"), now)
        return str(created.row["id"]), _mass_rule(runtime).at_intake(tx, created, complaint, now)


def test_two_transactions_crossing_the_threshold_at_once_open_one_incident(runtime: WorkflowRuntime,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="onepoint.workflow.incidents")
    for number in range(9):  # nine committed in the first minute: the window holds 9
        _, outcome = _take(runtime, number, 0)
        assert outcome is None
    first = runtime.store.begin("cs-two-first")
    now_first = START + timedelta(minutes=1)
    created_first = runtime.engine.create(first, _complaint(100), TierFacts("", "PREPAID"), now_first)
    opened = _mass_rule(runtime).at_intake(first, created_first, _complaint(100), now_first)
    assert opened is not None and opened.handled  # the first sees ten: it opens, not committed yet

    # the second, a minute later (another bucket: it does not queue there) and from another area (the window's key
    # is phenomenon and intake point, but the statistics' counter rows are per area: it does not queue on them
    # either), also sees ten — nine committed and its own — and tries to open; its claim waits for the first
    # transaction's row of the key
    second = SecondTransaction(runtime, lambda: _take(runtime, 101, 2, area_code="0769"))
    second.start_and_wait()
    runtime.store.finish(first, commit=True)
    second_id, second_outcome = second.result()

    (incident,) = incidents(runtime)
    assert opened.answer["IncidentId"] == incident["id"]
    assert second_outcome is not None and second_outcome.answer["IncidentId"] == incident["id"]
    assert open_incident_rows(runtime) == [(f"{CALLS}|{HALL}", incident["id"])]
    linked = {c["id"] for c in children(runtime, incident["id"])}
    assert second_id in linked and created_first.row["id"] in linked and len(linked) == 11
    # the second did try to open one and gave way on the key's row (its own incident undone with its savepoint)
    assert [r.getMessage() for r in caplog.records if "another transaction" in r.getMessage()] == [
        "mass-complaint incident opened by another transaction"]


def _state(runtime: WorkflowRuntime, work_order_id: str) -> str:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return str(view.row["state"])


def _incident_of_ten(runtime: WorkflowRuntime) -> str:
    """Ten customers a minute apart, each in a committed transaction: the incident the tenth opens."""
    outcomes = [_take(runtime, number, number)[1] for number in range(10)]
    assert outcomes[-1] is not None
    return outcomes[-1].answer["IncidentId"]


def _replying(runtime: WorkflowRuntime, incident_id: str, minutes: int) -> WorkOrderTransaction:
    """The incident's reply (WorkOrderAction's example) in a transaction the caller ends."""
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=incident_id)
    tx = runtime.store.begin(message_id)
    changed = runtime.engine.act(tx, action_request(document), START + timedelta(minutes=minutes))
    assert changed.row["state"] == "REPLIED"
    return tx


def test_a_complaint_linked_while_the_incident_is_replied_is_answered_with_it(runtime: WorkflowRuntime) -> None:
    incident_id = _incident_of_ten(runtime)
    late = runtime.store.begin("cs-two-late")
    now = START + timedelta(minutes=15)
    created = runtime.engine.create(late, _complaint(200), TierFacts("", "PREPAID"), now)
    linked = _mass_rule(runtime).at_intake(late, created, _complaint(200), now)
    assert linked is not None and linked.answer["IncidentId"] == incident_id  # not committed yet

    # another hub process replies the incident: letting its key go waits for the linking transaction, then the
    # children it answers include the new one
    reply = SecondTransaction(runtime, lambda: runtime.store.finish(_replying(runtime, incident_id, 16),
                                                                    commit=True))
    reply.start_and_wait()
    assert waiting_for_a_lock(runtime)
    runtime.store.finish(late, commit=True)
    reply.result()
    assert _state(runtime, incident_id) == "REPLIED"
    assert _state(runtime, str(created.row["id"])) == "REPLIED"
    assert {c["state"] for c in children(runtime, incident_id)} == {"REPLIED"}
    assert open_incident_rows(runtime) == []


def test_a_complaint_while_the_reply_lets_the_key_go_is_counted_anew(runtime: WorkflowRuntime) -> None:
    incident_id = _incident_of_ten(runtime)
    replying = _replying(runtime, incident_id, 15)  # its key let go, not committed yet
    # the complaint's read of the open incident waits for the reply, then finds none: it is counted, from zero
    complaint = SecondTransaction(runtime, lambda: _take(runtime, 201, 16))
    complaint.start_and_wait()
    runtime.store.finish(replying, commit=True)
    complaint_id, outcome = complaint.result()
    assert outcome is None  # one complaint of a new window, dispatched on its own at intake
    assert complaint_id not in {c["id"] for c in children(runtime, incident_id)}
    assert open_incident_rows(runtime) == [] and window_rows(runtime) == 1


def test_a_complaint_of_the_same_minute_queued_behind_the_opening_one_is_its_child(runtime: WorkflowRuntime) -> None:
    for number in range(9):  # nine committed in the first minute: the window holds 9
        assert _take(runtime, number, 0)[1] is None
    first = runtime.store.begin("cs-two-first")
    now_first = START + timedelta(minutes=1, seconds=10)
    created_first = runtime.engine.create(first, _complaint(100), TierFacts("", "PREPAID"), now_first)
    opened = _mass_rule(runtime).at_intake(first, created_first, _complaint(100), now_first)
    assert opened is not None and opened.handled  # opening, not committed yet

    # the second, in the same minute (from another area: it does not queue on the statistics' counter rows),
    # queues on the bucket's row, then sees the count and the committed incident, whose children the window's
    # complaints are by now
    second = SecondTransaction(runtime, lambda: _take(runtime, 101, 1 + 40 / 60, area_code="0769"))
    second.start_and_wait()
    runtime.store.finish(first, commit=True)
    second_id, outcome = second.result()
    (incident,) = incidents(runtime)
    assert outcome is not None and outcome.answer["IncidentId"] == incident["id"]
    assert second_id in {c["id"] for c in children(runtime, incident["id"])}
