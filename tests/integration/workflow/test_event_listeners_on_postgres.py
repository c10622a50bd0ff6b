"""The event publisher's tests of tests/unit/workflow again on PostgreSQL (a fresh database of the session's private
cluster per test), and its one-publisher-per-database rule: a session advisory lock, taken over when let go."""

from __future__ import annotations

import threading
import time

import pytest

from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import Listener
from hub.workflow.store.listener_registrations import find_listener, lock_registrations
from hub.workflow.store.outbox import add_listener
from tests.unit.workflow.conftest import client, mock, publisher  # noqa: F401 - the fixtures, on this module's runtime
from tests.unit.workflow.test_listener_queries import (  # noqa: F401 - collected here too
    test_a_system_sees_its_own_listeners_in_the_order_it_registered_them,
    test_each_listener_shows_whether_it_is_served_retried_or_parked,
    test_events_waiting_counts_the_outbox_after_the_cursor_before_the_filter,
    test_one_listener_by_its_id_and_only_the_callers,
)
from tests.unit.workflow.test_listeners_publisher import (  # noqa: F401 - collected here too
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


def test_two_identical_registrations_at_once_are_one_listener(runtime: WorkflowRuntime) -> None:
    """The second waits for the first's transaction (``lock_registrations``) and finds its listener."""
    url, now = "http://127.0.0.1:9/events", runtime.clock.now()
    first_added, second_may_look = threading.Event(), threading.Event()
    found: list[Listener | None] = []

    def second() -> None:
        first_added.wait(10)
        with runtime.store.transaction() as tx:
            second_may_look.set()
            lock_registrations(tx.db, "CRM")  # waits until the first registration commits
            found.append(find_listener(tx.db, "CRM", url, None))

    thread = threading.Thread(target=second)
    thread.start()
    with runtime.store.transaction() as tx:
        lock_registrations(tx.db, "CRM")
        assert find_listener(tx.db, "CRM", url, None) is None
        added = add_listener(tx.db, url, None, now, source_system="CRM")
        first_added.set()
        second_may_look.wait(10)
        time.sleep(0.2)  # the second is (most likely) waiting for the lock now; it passes either way
    thread.join(10)
    assert found and found[0] is not None and found[0].id == added.id
