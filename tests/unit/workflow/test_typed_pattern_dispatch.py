"""A template field's pattern written for the number as typed (``0755-83765432``, the form docs/taxonomy.md says a
pattern may match) is matched so by a Dispatch and at intake, not only by ``FieldSpec.problem`` alone: the
Dispatch checked the normalised fields as if typed so, and refused it ``dispatch-incomplete``; at intake the
refusal escaped the handler, was retried 12 times as a transient failure and dead-lettered, the complaint lost
(regression audit of 4aa7d60). A Dispatch at intake the engine refuses after all leaves the complaint created, its
fields kept for a Dispatch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.taxonomy.templates import DispatchTemplate
from tests.unit.workflow.incident_kit import client_of
from tests.unit.workflow.kit import START, WO, answer, command, envelope, text
from tests.unit.workflow.test_intake_fields_kept import history

pytestmark = pytest.mark.unit
PEER = 'pattern = "0[0-9]{2,3}-[0-9]{7,8}|1[3-9][0-9]{9}"\n'
DISPATCH = {"terminal_type": "Nokia N95", "fault_time": "2026-11-23T08:40:00+08:00", "fault_place": "Civic Center",
            "announcement_heard": "none", "peer_number": "0755-83765432"}


def peer_with_pattern(seed: Path, pattern: str = PEER) -> Path:
    fields = seed / "fields.toml"
    source, n = re.subn(r'(\[fields\.peer_number\][^\[]*?type = "phone"\n)', lambda m: m.group(1) + pattern,
                        fields.read_text(encoding="utf-8"))
    assert n == 1
    fields.write_text(source, encoding="utf-8")
    return seed


def test_a_dispatch_of_a_number_as_its_pattern_is_written_is_taken(seed: Path, tmp_path: Path) -> None:
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}",
                                            taxonomy=peer_with_pattern(seed)), clock=ManualClock(START))
    try:
        client = client_of(runtime)
        doc, mid = command("CreateWorkOrder.valid.xml", CategoryCode="01.02.01")
        work_order = text(answer(client.request(envelope(doc, mid))), "wo:WorkOrderId")
        doc, mid = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order)
        dispatch = doc.find(f"{{{WO}}}Dispatch")
        assert dispatch is not None
        for old in dispatch.findall(f"{{{WO}}}Field"):
            dispatch.remove(old)
        for name, value in DISPATCH.items():
            etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
        reply = answer(client.request(envelope(doc, mid)))
        assert text(reply, "wo:State") == "DISPATCHED", etree.tostring(reply)
    finally:
        runtime.close()


def test_at_intake_too(seed: Path, tmp_path: Path) -> None:
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}",
                                            taxonomy=peer_with_pattern(seed)), clock=ManualClock(START))
    try:
        doc, mid = command("CreateWorkOrder.valid-dispatch-at-intake.xml", CategoryCode="01.02.01")
        calling = doc.find(f"{{{WO}}}Field[@name='calling_functions_affected']")
        assert calling is not None
        calling.set("name", "peer_number")
        calling.text = "0755-83765432"
        result = client_of(runtime).request(envelope(doc, mid))
        assert result.processed and not result.dead, result.reason
        assert text(answer(result), "wo:State") == "DISPATCHED"
    finally:
        runtime.close()


def test_a_dispatch_at_intake_refused_after_all_keeps_the_complaint(seed: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the engine refuse what ``missing_at_intake`` passed (the two checks parted once), the complaint is
    still created and answered, its fields kept for a Dispatch and the refusal in its history: nothing retried."""
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}"), clock=ManualClock(START))
    try:
        monkeypatch.setattr(DispatchTemplate, "missing_fields",
                            lambda self, fields: ["fault_place (Fault place): refused"])
        monkeypatch.setattr(runtime.engine, "missing_at_intake", lambda complaint: ("voice_originate", []))
        doc, mid = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
        client = client_of(runtime)
        result = client.request(envelope(doc, mid))
        assert result.processed and not result.dead and result.attempts == 1, result.reason
        reply = answer(result)
        assert text(reply, "wo:State") == "ACCEPTED"
        actions = [entry["Action"] for entry in history(client, text(reply, "wo:WorkOrderId"))]
        assert "DISPATCH_REFUSED" in actions and "INTAKE_FIELD" in actions and "DISPATCH_WAITING" in actions
    finally:
        runtime.close()
