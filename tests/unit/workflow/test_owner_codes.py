"""A work order's owner is the OA UserId of its owner's items and a ``c:PartyId`` in every answer, so the codes that
become owners are checked as ``c:PartyId`` when they are loaded: ``[workflow] intake_department`` (a ConfigError
naming the key) and the taxonomy's ``[targets.CODE]`` keys (a TaxonomyError naming the target). A to-read OA's
schema still refuses (an owner written before the check) is left out, logged, instead of dead-lettering the
whole outage notice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hub.config.settings import ConfigError, load_settings
from hub.config.workflow import parse_workflow
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import work_orders
from hub.workflow.taxonomy import TaxonomyError, load_taxonomy
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_outage_rule import NOTICE_ID, clock, complain, notice_envelope

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("department", ["Customer Service", "客服中心", "-CS", "C" * 33, "CS/0755"])
def test_an_intake_department_that_is_no_party_id_is_refused_naming_the_key(department: str,
                                                                             tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"workflow\.intake_department .*c:PartyId"):
        parse_workflow({"intake_department": department}, str(tmp_path / "hub.toml"))


def test_the_settings_file_with_such_a_department_does_not_load(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[workflow]\nintake_department = "Customer Service"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"workflow\.intake_department"):
        load_settings(config)


@pytest.mark.parametrize("department", ["CUSTOMER_SERVICE", "cs.0755-desk", "7" * 32])
def test_party_ids_are_taken(department: str, tmp_path: Path) -> None:
    assert parse_workflow({"intake_department": department}, str(tmp_path / "hub.toml")).intake_department == \
        department


TAXONOMY = """
categories = [
  { code = "01", name = "Basic voice" },
  { code = "01.02", name = "Cannot connect within the network" },
  { code = "01.02.03", name = "Cannot originate", template = "voice" },
]

[fields.msisdn]
label = "Phone number"
type = "msisdn"

[targets."Network Centre"]
name = "Provincial network management centre"
system = "NSP"

[templates.voice]
name = "Voice fault"
target = "Network Centre"
questions = ["Since when?"]
checks = ["Outgoing-call barring"]
fields = ["msisdn"]
"""


def test_a_taxonomy_target_code_that_is_no_party_id_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(TAXONOMY, "utf-8")
    with pytest.raises(TaxonomyError, match=r"'Network Centre' is not a department code.*c:PartyId"):
        load_taxonomy(tmp_path)
    (tmp_path / "a.toml").write_text(TAXONOMY.replace("Network Centre", "NMC"), "utf-8")
    assert set(load_taxonomy(tmp_path).targets) == {"NMC"}


def test_a_to_read_oa_refuses_is_left_out_and_the_notice_still_links(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    bad = text(complain(client), "wo:WorkOrderId") or ""
    good = text(complain(client), "wo:WorkOrderId") or ""
    with runtime.store.engine.begin() as connection:  # an owner written before the check
        connection.execute(update(work_orders).where(work_orders.c.id == bad).values(owner="Customer Service"))
    before = len(client.sent)
    clock(runtime).advance(timedelta(minutes=5))
    result = client.send(notice_envelope())
    assert result.processed and not result.dead, result.reason
    for work_order_id in (bad, good):
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None and view.row["outage_id"] == NOTICE_ID
    told = [e for e, _ in client.sent[before:] if e.command_type == "oa.PushToRead"]
    assert len(told) == 1 and good.encode() in told[0].payload
