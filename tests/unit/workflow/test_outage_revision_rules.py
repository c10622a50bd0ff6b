"""The workflow keeps NSP's notices by the bulletin's rule (audit of the bulletin): a clearance without a Revision
clears the kept revision, a changed notice that kept its revision is applied, T24:00:00 is read as xs:dateTime says
and a time no ``datetime`` holds is refused for good, as the bulletin refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_outage_rule import NSP, cleared_envelope, complain, notice_envelope, stored

pytestmark = pytest.mark.unit


def without_revision(env: Envelope) -> Envelope:
    root = etree.fromstring(env.payload)
    root.remove(root.find(f"{{{NSP}}}Revision"))
    return Envelope(env.message_id, env.command_type, env.source_system, etree.tostring(root))


def with_text(env: Envelope, name: str, value: str) -> Envelope:
    root = etree.fromstring(env.payload)
    root.find(f"{{{NSP}}}{name}").text = value
    return Envelope(env.message_id, env.command_type, env.source_system, etree.tostring(root))


def test_a_clearance_without_revision_clears_the_revised_notice(client: WorkerTestClient,
                                                                runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(Revision="1")).processed
    assert client.send(notice_envelope(Revision="2", Title="Revised")).processed
    runtime.clock.advance(timedelta(hours=2))
    result = client.send(without_revision(cleared_envelope()))
    assert result.processed and "ignored" not in (result.outcome or "")
    kept = stored(runtime)
    assert (kept.status, kept.revision) == ("CLEARED", 2)
    after = complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13900139000")
    assert text(after, "wo:State") != "AUTO_ANSWERED"


def test_a_changed_notice_that_kept_its_revision_is_applied(client: WorkerTestClient,
                                                            runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(Revision="1", areas=[("0757", None)])).processed
    result = client.send(notice_envelope(Revision="1", areas=[("0755", None)], Title="Corrected"))
    assert result.processed and "ignored" not in (result.outcome or "")
    kept = stored(runtime)
    assert ([a.code for a in kept.areas], kept.title) == (["0755"], "Corrected")
    assert text(complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml"), "wo:State") == "AUTO_ANSWERED"
    again = client.send(notice_envelope(Revision="1", areas=[("0755", None)], Title="Corrected"))
    assert again.processed and "ignored" in (again.outcome or "")  # the same revision unchanged


def test_hour_24_is_the_next_day_and_answers_complaints(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    result = client.send(notice_envelope(Start="2026-11-22T24:00:00+08:00"))
    assert result.processed, result.reason
    assert stored(runtime).start_at == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert text(complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml"), "wo:State") == "AUTO_ANSWERED"


def test_a_year_beyond_a_datetime_is_refused_for_good_with_the_reason(client: WorkerTestClient) -> None:
    result = client.send(with_text(notice_envelope(), "Start", "10000-01-01T00:00:00+08:00"))
    assert result.dead and "Start" in (result.reason or "") and "1-9999" in (result.reason or "")
