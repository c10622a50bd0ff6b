"""The workflow keeps a notice's fault-report and information-notice fields with it (``outage_notices``,
migration 0021): initiator, reply time, the handler's result feedback, customer service's feedback, the sender's
answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.test_outage_rule import notice_envelope, stored

pytestmark = pytest.mark.unit


def test_a_fault_reports_fields_are_kept(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope("OutageNotice.valid-fault-report.xml")).processed
    report = stored(runtime, "FLT-20261123-0008").report
    assert report is not None
    assert report.initiator == "Wireless Optimisation Centre, Chen Jie"
    assert report.reply_time == datetime(2026, 11, 23, 4, 30, tzinfo=UTC)


def test_the_handlers_result_feedback_is_kept(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope("OutageNotice.valid-cleared-with-feedback.xml")).processed
    report = stored(runtime, "FLT-20261123-0007").report
    assert report is not None
    assert (report.feedback_handler, report.feedback_phone) == ("Wang Lei", "13812345678")
    assert report.feedback_at == datetime(2026, 11, 23, 3, 5, tzinfo=UTC)
    assert report.feedback_result is not None and report.feedback_result.startswith("Transmission board")


def test_an_information_notices_feedback_and_answer_are_kept(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope("OutageNotice.valid-planned-work-feedback.xml")).processed
    report = stored(runtime, "ADJ-20261122-0012").report
    assert report is not None and report.initiator is None
    assert report.customer_service_feedback is not None and report.sender_answer is not None


def test_a_notice_without_them_has_no_report(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope()).processed
    assert stored(runtime).report is None
