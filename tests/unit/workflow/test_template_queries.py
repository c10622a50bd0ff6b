"""QueryTemplate (issue 12.3): a front end asks a phenomenon's or refinement's template before dispatching and gets
what the hub's taxonomy defines — the category's names at each level, the template's id, name and target, the
intake questions, the pre-processing checks and every required field with its label, type, pattern and choices —
instead of learning the fields by being refused. An unknown category is refused ``unknown-category``, as
CreateWorkOrder refuses it, and no work-order refusal is counted."""

from __future__ import annotations

import shutil
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.observability.metrics import Metrics
from hub.store.keys import processed_key
from hub.validation import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from tests.unit.workflow.kit import START, WO, C, answer, command, envelope, text

pytestmark = pytest.mark.unit

NS = {"wo": WO, "c": C}


@cache
def _schema() -> etree.XMLSchema:
    return CommandSetRegistry.installed().get("workorder").lxml_schema


def asked(client: WorkerTestClient, code: str) -> etree._Element:
    document, message_id = command("QueryTemplate.valid.xml", CategoryCode=code)
    return answer(client.request(envelope(document, message_id)))


def shown(found: etree._Element) -> etree._Element:
    assert found.tag == f"{{{WO}}}QueryTemplateResponse", etree.tostring(found)
    _schema().assertValid(found)
    assert text(found, "wo:Ack/c:Status") == "COMPLETED"
    template = found.find("wo:Template", NS)
    assert template is not None
    return template


def test_a_refinement_is_answered_with_its_phenomenon_s_template(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    found = asked(client, "01.02.03.002")
    template = shown(found)
    expected = runtime.engine.taxonomy.phenomenon("01.02.03.002")
    assert text(found, "wo:CategoryCode") == "01.02.03.002"
    assert [(text(e, "wo:Code"), text(e, "wo:Level"), text(e, "wo:Name")) for e in found.iterfind("wo:Category", NS)] \
        == [("01", "1", "Basic voice and network quality"), ("01.02", "2", "Cannot connect within the network"),
            ("01.02.03", "3", "Cannot originate"), ("01.02.03.002", "4", "Cannot originate on a TD-SCDMA terminal")]
    assert text(found, "wo:Category[4]/wo:NameZh") == "TD终端无法主叫"
    assert (text(template, "wo:TemplateId"), text(template, "wo:Name"), text(template, "wo:Inherited")) == (
        "voice_originate", expected.name, "true")
    assert (text(template, "wo:Target/wo:Code"), text(template, "wo:Target/wo:System")) == ("NMC", "NSP")
    assert [e.text for e in template.iterfind("wo:IntakeQuestion", NS)] == list(expected.questions)
    assert [e.text for e in template.iterfind("wo:PreCheck", NS)] == list(expected.checks)
    fields = {text(e, "wo:Name"): e for e in template.iterfind("wo:RequiredField", NS)}
    assert list(fields) == list(expected.field_names)
    assert (text(fields["fault_time"], "wo:Label"), text(fields["fault_time"], "wo:Type")) == ("Fault time",
                                                                                               "datetime")
    assert text(fields["contact_number"], "wo:LabelZh") == "联系电话"
    # the hub fills the number and the contact from the work order: a form need not ask for them
    assert {name for name, e in fields.items() if text(e, "wo:FilledByHub") == "true"} == {"msisdn", "contact_number"}


def test_a_refinement_with_its_own_template_is_not_inherited(client: WorkerTestClient) -> None:
    template = shown(asked(client, "01.02.03.001"))
    assert (text(template, "wo:TemplateId"), text(template, "wo:Inherited")) == ("user_data_sync", "false")


def test_patterns_and_choices_are_given_as_the_taxonomy_declares_them(tmp_path: Path) -> None:
    """A field with a pattern and one with choices (a local taxonomy: a template requiring the IMEI and a
    choice field)."""
    taxonomy = shutil.copytree(Path(str(resources.files("hub.workflow.taxonomy").joinpath("data"))),
                               tmp_path / "taxonomy")
    fields = taxonomy / "fields.toml"
    fields.write_text(fields.read_text("utf-8") + '\n[fields.metro_line]\nlabel = "Metro line"\ntype = "choice"\n'
                      'choices = ["Line 1", "Line 2"]\n', "utf-8")
    templates = taxonomy / "templates.toml"
    templates.write_text(templates.read_text("utf-8") + '\n[templates.metro]\nname = "Metro coverage"\n'
                         'target = "NMC"\nquestions = ["Which station?"]\nchecks = ["Known metro works"]\n'
                         'fields = ["msisdn", "imei", "metro_line"]\n', "utf-8")
    categories = taxonomy / "categories.toml"
    listed = categories.read_text("utf-8")
    anchor = '{ code = "01.01.01", name = "No signal", name_zh = "无信号", template = "coverage" },\n'
    assert anchor in listed
    categories.write_text(listed.replace(anchor, anchor + '{ code = "01.01.01.001", name = "No signal in the metro", '
                                                         'template = "metro" },\n'), "utf-8")
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", taxonomy=taxonomy),
                           clock=ManualClock(START))
    try:
        local = WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                                 store=WorkOrderProcessedStore(runtime.store))
        template = shown(asked(local, "01.01.01.001"))
    finally:
        runtime.close()
    fields_ = {text(e, "wo:Name"): e for e in template.iterfind("wo:RequiredField", NS)}
    assert text(fields_["imei"], "wo:Pattern") == "[0-9]{15}"
    assert [e.text for e in fields_["metro_line"].iterfind("wo:Choice", NS)] == ["Line 1", "Line 2"]
    assert text(fields_["metro_line"], "wo:Type") == "choice" and fields_["metro_line"].find("wo:LabelZh", NS) is None
    assert fields_["msisdn"].find("wo:Pattern", NS) is None and fields_["msisdn"].find("wo:Choice", NS) is None


def test_an_unknown_category_is_refused_as_create_refuses_it(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    runtime.metrics = Metrics()
    refused = asked(client, "99.99.99")
    assert refused.tag == f"{{{C}}}Error"
    assert text(refused, "c:Code") == "unknown-category"
    assert "99.99.99" in (text(refused, "c:Message") or "") and "onepoint taxonomy show" in (
        text(refused, "c:Message") or "")
    assert runtime.metrics.value("onepoint_work_order_refusals_total", code="unknown-category") == 0


def test_a_repeat_is_answered_afresh(client: WorkerTestClient) -> None:
    """A read: its record keeps no answer; the same message again is answered, not refused as a duplicate."""
    document, message_id = command("QueryTemplate.valid.xml")
    first = answer(client.request(envelope(document, message_id)))
    kept = client.store.reply(processed_key(CONSUMER, "CS", message_id))
    assert kept is not None and kept.startswith(b"\x00unkept-sha256:")  # the request's fingerprint, no answer
    again = answer(client.request(envelope(document, message_id)))
    assert text(shown(first), "wo:TemplateId") == text(shown(again), "wo:TemplateId") == "voice_originate"
