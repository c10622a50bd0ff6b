"""The workflow keeps NSP's correction of a notice (same revision, other content, sent later) even when the original
reaches it afterwards (its first delivery failed and it came back from a delay tier, or the broadcast's consumers
took them in another order): the original is stale, as on the bulletin and at OA (audit of the bulletin). And a
revision NSP sent before a clearance without a Revision, reaching the workflow after it, does not reopen the notice
(audit of outage notices: before, it was kept as a newer revision, ACTIVE for good)."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import C, text
from tests.unit.workflow.test_outage_revision_rules import without_revision
from tests.unit.workflow.test_outage_rule import NSP, cleared_envelope, complain, notice_envelope, stored

pytestmark = pytest.mark.unit


def sent_at(env: Envelope, at: str) -> Envelope:
    """``env`` as NSP sent it at ``at`` (its header's SentAt)."""
    root = etree.fromstring(env.payload)
    root.find(f"{{{NSP}}}Header/{{{C}}}SentAt").text = at
    return Envelope(env.message_id, env.command_type, env.source_system, etree.tostring(root))


def sent(at: str, variant: tuple[str, str]) -> Envelope:
    """A revision-1 notice NSP sent at ``at`` (its header's SentAt): ``variant`` is its title and area code."""
    title, code = variant
    areas: list[tuple[str, str | None]] = [(code, None)]
    env = notice_envelope(Revision="1", Title=title, areas=areas)
    root = etree.fromstring(env.payload)
    root.find(f"{{{NSP}}}Header/{{{C}}}SentAt").text = at
    return Envelope(env.message_id, env.command_type, env.source_system, etree.tostring(root))


ORIGINAL = ("Nanshan: one base station down", "0757")
CORRECTED = ("Futian: three base stations down", "0755")


def test_the_original_reaching_the_workflow_after_its_correction_is_stale(client: WorkerTestClient,
                                                                         runtime: WorkflowRuntime) -> None:
    assert client.send(sent("2026-11-23T09:40:00+08:00", CORRECTED)).processed
    late = client.send(sent("2026-11-23T09:10:00+08:00", ORIGINAL))
    assert late.processed and "ignored" in (late.outcome or "")
    kept = stored(runtime)
    assert (kept.title, [area.code for area in kept.areas]) == (CORRECTED[0], ["0755"])
    assert text(complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml"), "wo:State") == "AUTO_ANSWERED"


def test_a_correction_sent_later_still_replaces_the_original(client: WorkerTestClient,
                                                            runtime: WorkflowRuntime) -> None:
    assert client.send(sent("2026-11-23T09:10:00+08:00", ORIGINAL)).processed
    corrected = client.send(sent("2026-11-23T09:40:00+08:00", CORRECTED))
    assert corrected.processed and "ignored" not in (corrected.outcome or "")
    assert stored(runtime).title == CORRECTED[0]


def test_the_kept_version_said_again_later_outranks_a_variant_sent_in_between(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime) -> None:
    assert client.send(sent("2026-11-23T09:40:00+08:00", CORRECTED)).processed
    again = client.send(sent("2026-11-23T09:50:00+08:00", CORRECTED))  # unchanged: NSP says it again
    assert again.processed and "ignored" in (again.outcome or "")
    between = client.send(sent("2026-11-23T09:45:00+08:00", ORIGINAL))
    assert between.processed and "ignored" in (between.outcome or "")
    assert stored(runtime).title == CORRECTED[0]


def test_a_revision_sent_before_the_clearance_it_came_after_does_not_reopen_the_notice(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(Revision="1")).processed  # sent 09:10
    revised = sent_at(notice_envelope(Revision="2", Title="Two base stations"), "2026-11-23T09:20:00+08:00")
    clearance = sent_at(without_revision(cleared_envelope()), "2026-11-23T11:10:00+08:00")
    assert client.send(clearance).processed  # it overtook revision 2
    late = client.send(revised)
    assert late.processed and "ignored" in (late.outcome or "")
    kept = stored(runtime)
    assert (kept.revision, kept.status) == (1, "CLEARED")
    assert text(complain(client, "CreateWorkOrder.valid-dispatch-at-intake.xml"), "wo:State") != "AUTO_ANSWERED"


def test_a_revision_sent_after_the_clearance_reopens_the_notice(client: WorkerTestClient,
                                                              runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope(Revision="1")).processed
    assert client.send(sent_at(without_revision(cleared_envelope()), "2026-11-23T11:10:00+08:00")).processed
    reopened = client.send(sent_at(notice_envelope(Revision="2", Title="Down again"), "2026-11-23T12:00:00+08:00"))
    assert reopened.processed and "ignored" not in (reopened.outcome or "")
    assert (stored(runtime).revision, stored(runtime).status) == (2, "ACTIVE")
