"""The event publisher's tests of tests/unit/workflow again on PostgreSQL (a fresh database of the session's private
cluster per test), and its one-publisher-per-database rule: a session advisory lock, taken over when let go."""

from __future__ import annotations

import pytest

from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_listeners_publisher import (  # noqa: F401 - collected here too
    mock,
    publisher,
    test_a_call_back_httpx_cannot_send_to_fails_alone_and_holds_back_no_one,
    test_a_crash_between_the_post_and_the_cursor_delivers_the_same_event_again,
    test_a_dead_listener_holds_back_only_itself,
    test_a_delivery_ends_a_failure_streak_so_the_next_failure_waits_the_shortest_delay,
    test_a_failed_delivery_is_retried_along_the_delay_tiers_with_the_same_event,
    test_a_hole_in_the_positions_is_waited_for_then_passed,
    test_a_listener_gets_every_event_of_a_work_order_in_order_once,
    test_a_listener_gets_only_the_events_written_after_it_registered,
    test_an_unregistered_listener_gets_nothing_more,
    test_any_error_of_one_delivery_is_that_listeners_failure,
    test_filters_choose_the_events,
    test_with_no_listener_the_events_are_published_as_they_come,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


def test_one_publisher_per_database(runtime: WorkflowRuntime) -> None:
    first = EventPublisher(runtime.store, runtime.clock)
    second = EventPublisher(runtime.store, runtime.clock)
    try:
        assert first.run_round().leader
        assert not second.run_round().leader  # another hub process: it skips publishing
        assert first.run_round().leader
        first.stop()  # lets the lock go (as a process that dies does)
        assert second.run_round().leader
    finally:
        first.stop()
        second.stop()
