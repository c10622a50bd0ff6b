"""The processed-message store's unit tests (tests/unit/transport/test_store*.py) collected again on the shared
PostgreSQL store (``hub.store.postgres``), each test on a fresh database of the session's private cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.store import ProcessedStore
from tests.support.processed_stores import open_postgres_store, postgres_database
from tests.unit.transport.test_store import (  # noqa: F401 - collected here too
    an_expired_lease_is_taken_over,
    test_a_live_claim_blocks_a_concurrent_one,
    test_claim_records_and_then_reports_duplicates,
    test_claim_without_complete_is_released,
    test_concurrent_threads_apply_each_id_once,
    test_failed_effect_records_nothing,
    test_record_is_first_writer_wins,
)
from tests.unit.transport.test_store_batches import (  # noqa: F401 - collected here too
    test_a_batch_runs_new_ids_skips_done_ones_and_keeps_going_past_a_failure,
    test_an_id_held_by_a_live_claim_is_reported_busy,
    test_process_batch_once_acks_after_the_commit_and_requeues_failures,
    test_process_batch_once_requeues_an_id_still_held_after_the_wait,
    test_process_batch_once_waits_for_a_busy_id_then_acks_it_as_a_duplicate,
)
from tests.unit.transport.test_store_leases import a_slow_effect_keeps_its_claim

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def store(request: pytest.FixtureRequest) -> Iterator[ProcessedStore]:
    opened = open_postgres_store(postgres_database(request))
    yield opened
    opened.close()


def test_an_expired_lease_can_be_taken_over(request: pytest.FixtureRequest) -> None:
    an_expired_lease_is_taken_over(open_postgres_store(postgres_database(request), lease_seconds=0.0))


def test_a_slow_effect_keeps_its_claim_past_the_lease(request: pytest.FixtureRequest) -> None:
    database = postgres_database(request)
    a_slow_effect_keeps_its_claim(lambda: open_postgres_store(database, lease_seconds=0.3))
