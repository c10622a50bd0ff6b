"""The OA adapter's two records on PostgreSQL (``PostgresNoticeBook``, ``PostgresClosedItems``: the deployment's
shared database, ``[workers] processed_store``) behave as in the SQLite file: the shared-record tests of
tests/unit/adapters/oa run again here, ``oa_records_at`` a database of the session's private cluster of its own
(each "process" its own engine, as on another machine) — among them two first revisions of a notice at once, one
item's pushes from several processes, closes recorded from several threads and processes."""

from __future__ import annotations

import pytest

from tests.support.postgres_server import PostgresServer
from tests.unit.adapters.oa.records_kit import (  # noqa: F401 - fixtures
    OpensClosedTodos,
    OpensVersions,
    closed_items,
    opened_records,
    versions,
)
from tests.unit.adapters.oa.test_oa_clearance_order import (  # noqa: F401
    test_an_active_version_is_judged_against_the_clearance_by_when_nsp_sent_it,
)
from tests.unit.adapters.oa.test_oa_closed_items import (  # noqa: F401 - the tests, on this module's database
    test_a_closed_item_is_recorded_and_no_other,
    test_a_redelivered_close_renews_the_record,
    test_records_are_kept_seven_days_then_pruned_in_bounded_batches,
    test_the_workers_share_the_record_over_restarts_each_hub_its_own,
    test_threads_and_processes_recording_at_once_lose_nothing,
)
from tests.unit.adapters.oa.test_oa_notice_file import (  # noqa: F401
    test_a_cleared_notices_records_are_pruned_after_the_retention,
)
from tests.unit.adapters.oa.test_oa_notice_versions_kept import (  # noqa: F401
    test_a_restarted_worker_judges_a_stale_revision_against_the_record,
    test_hubs_of_other_topology_prefixes_keep_their_own_versions,
    test_two_workers_on_one_record_see_each_others_versions,
)
from tests.unit.adapters.oa.test_oa_to_read_order import (  # noqa: F401
    test_a_lease_a_dead_worker_left_is_taken_over_once_expired,
    test_a_push_of_revision_1_after_the_clearance_pushed_elsewhere_is_skipped,
    test_a_push_that_failed_is_made_again,
    test_an_items_pushes_do_not_overlap_across_processes,
    test_an_items_pushes_never_overlap_among_many_threads,
    test_two_first_revisions_at_once_are_judged_one_after_the_other,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def oa_records_at(postgres_server: PostgresServer) -> str:
    """A database of its own: the processed store's, as the adapter is wired on PostgreSQL."""
    return str(postgres_server.create_database())


@pytest.fixture
def kind(closed_items: OpensClosedTodos) -> OpensClosedTodos:  # noqa: F811 - the shared record only
    return closed_items


@pytest.fixture
def retained_versions(versions: OpensVersions) -> OpensVersions:  # noqa: F811 - the shared record only
    return versions
