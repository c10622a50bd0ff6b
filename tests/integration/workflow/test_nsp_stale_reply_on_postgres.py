"""NSP's late reply to an earlier dispatch refused as ``stale-reply`` (tests/unit/workflow/test_nsp_stale_reply.py),
and one answering another work order's dispatch as ``wrong-work-order`` (test_nsp_wrong_work_order.py), again on
PostgreSQL (a fresh database of the session's private cluster per test): the dispatch a reply answers is read from
the work order's history in the reply's transaction, with its row locked, and the dispatch ids the hub sent from
``nsp_dispatches``, on both dialects alike."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_nsp_stale_reply import (  # noqa: F401 - collected here too
    test_a_reply_to_the_earlier_dispatch_is_refused_and_the_current_ones_is_taken,
    test_a_stale_reply_while_suspended_does_not_move_the_order_on_when_it_resumes,
    test_every_dispatch_the_hub_sends_is_its_work_orders_current_one,
    test_nsps_reply_to_an_incidents_fault_report_still_resolves_it,
    test_the_reply_to_a_dispatch_at_intake_is_stale_once_the_order_is_dispatched_again,
)
from tests.unit.workflow.test_nsp_wrong_work_order import (  # noqa: F401 - collected here too
    test_a_childs_reply_correlated_with_its_incidents_fault_report_is_refused,
    test_a_reply_naming_another_work_order_than_its_dispatch_at_intake_is_refused,
    test_a_reply_naming_one_work_order_but_answering_anothers_dispatch_is_refused,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
