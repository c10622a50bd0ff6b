"""The OA adapter: pushes through the worker pipeline with respx as OA; outage notices as one PushToRead command
per manager of an affected area (sent through the recording outbound path, validated and routed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from lxml import etree

from adapters.oa import AreaManagers
from adapters.oa.mapping import InconsistentNotice, outage_notice, to_read_document, to_read_message_id
from hub.config.settings import load_settings
from hub.envelope import Envelope
from hub.routing.outbound import derive_message_id
from hub.validation import DocumentValidator
from tests.unit.adapters.oa.oa_kit import LINK, OA, C, Oa
from tests.unit.adapters.soap_kit import command, echoing, example, registry

pytestmark = pytest.mark.unit
def notice(name: str = "valid-fault", message_id: str = "nsp-notice-0000001") -> Envelope:
    return command(f"nsp/OutageNotice.{name}.xml", message_id=message_id, correlation_id=None)


def test_a_notice_is_read_with_its_areas_services_and_wording() -> None:
    found = outage_notice(command("nsp/OutageNotice.valid-planned-work.xml"))
    assert (found.kind, found.adjustment_kind, found.status) == ("PLANNED_WORK", "CUT_OVER", "ACTIVE")
    assert found.area_codes == ("0571", "0572")  # each area once, in order
    cleared = outage_notice(command("nsp/OutageNotice.valid-cleared.xml"))
    assert cleared.status == "CLEARED" and cleared.cleared_at == "2026-11-23T11:05:00+08:00"


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("valid-planned-work", b"<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>", b"", "needs its AdjustmentKind"),
    ("valid-fault", b"<nsp:Kind>FAULT</nsp:Kind>",
     b"<nsp:Kind>FAULT</nsp:Kind><nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>", "has no AdjustmentKind"),
])
def test_the_rule_xsd_cannot_express_is_enforced(name: str, old: bytes, new: bytes, message: str) -> None:
    with pytest.raises(InconsistentNotice, match=message):
        outage_notice(command(f"nsp/OutageNotice.{name}.xml", replace={old: new}))


@pytest.mark.parametrize("name", ["valid-fault", "valid-planned-work", "valid-cleared", "valid-withdrawn"])
def test_the_to_read_item_is_a_valid_push_to_read(name: str) -> None:
    found = outage_notice(command(f"nsp/OutageNotice.{name}.xml"))
    document = to_read_document(found, "mgr-0755-01", LINK.format(notice_id=found.notice_id))
    DocumentValidator(registry()).validate_element(document)
    assert document.findtext(f"{{{OA}}}ItemId") == f"toread-{found.notice_id}-mgr-0755-01"
    assert document.findtext(f"{{{OA}}}Link") == f"https://hub.example/bulletin#{found.notice_id}"
    summary = document.findtext(f"{{{OA}}}Summary") or ""
    assert found.wording[:50] in summary and f"revision {found.revision}" in summary
    expected_priority = {"valid-fault": "2", "valid-planned-work": "3", "valid-cleared": "4",
                         "valid-withdrawn": "4"}[name]
    assert document.findtext(f"{{{OA}}}Priority") == expected_priority
    assert ("cleared" in (document.findtext(f"{{{OA}}}Title") or "")) is (name == "valid-cleared")
    assert ("withdrawn" in (document.findtext(f"{{{OA}}}Title") or "")) is (name == "valid-withdrawn")
    assert ("there was no outage" in summary) is (name == "valid-withdrawn")


WORDING = ("您好，因全省核心网设备割接，今晚零点至凌晨四点期间，部分用户可能出现短时无法通话或上网的情况，"
           "割接完成后将自动恢复，无需办理任何业务，给您带来不便敬请谅解。如有疑问请拨打10086。")


def test_a_notice_naming_many_districts_keeps_its_customer_wording_whole() -> None:
    """Before, every area came first and the whole was clipped at 1000 characters: a notice over 21 areas with
    long districts gave the managers an area list and none of the wording they are to tell customers."""
    found = outage_notice(command("nsp/OutageNotice.valid-planned-work.xml"))
    areas = tuple((f"07{n:02d}", "、".join(f"第{k}区（城区主要道路沿线及商圈附近）" for k in range(4)))
                  for n in range(21))
    document = to_read_document(replace(found, areas=areas, wording=WORDING), "mgr-0755-01", "https://hub.example/")
    DocumentValidator(registry()).validate_element(document)
    summary = document.findtext(f"{{{OA}}}Summary") or ""
    assert len(summary) <= 1000 and summary.endswith(f"Customer wording: {WORDING}")
    shown = summary.split(" and ", 1)[0]
    assert shown.startswith(", ".join(found.services)) and f"0700 {areas[0][1]}" in shown  # the first areas whole
    listed = sum(code in shown for code, _ in areas)
    assert 0 < listed < 21 and f" and {21 - listed} more areas " in summary


def test_a_notice_whose_areas_fit_lists_them_all() -> None:
    found = outage_notice(command("nsp/OutageNotice.valid-planned-work.xml"))
    summary = to_read_document(found, "mgr-0755-01", "https://hub.example/").findtext(f"{{{OA}}}Summary") or ""
    assert "more areas" not in summary and all(code in summary for code in found.area_codes)
    assert summary.endswith(f"Customer wording: {found.wording}")


def test_every_manager_of_the_areas_gets_one_to_read_command(oa: Oa) -> None:
    sent = notice("valid-planned-work")
    result = oa.client.send(sent)
    found = outage_notice(sent)
    assert result.processed
    assert result.outcome == f"{found.notice_id} r{found.revision}: to-read for mgr-0571-01, mgr-0572-01"
    pushes = [(e, targets) for e, targets in oa.client.sent]
    assert [(e.command_type, targets) for e, targets in pushes] == [("oa.PushToRead", ("oa",))] * 2
    users = [etree.fromstring(e.payload).findtext(f"{{{OA}}}UserId") for e, _ in pushes]
    assert users == ["mgr-0571-01", "mgr-0572-01"]  # a manager of both areas is told once
    expected_ids = [derive_message_id(sent.message_id, f"to-read-{user}", "oa", sent.source_system) for user in users]
    assert [e.message_id for e, _ in pushes] == expected_ids
    assert oa.client.send(sent).duplicate and len(oa.client.sent) == 2  # redelivered: nothing sent twice
    assert oa.route.call_count == 0  # OA itself is called by each PushToRead command, not by the notice


def test_the_pushed_to_read_reaches_oa_and_its_item_id_is_recorded(oa: Oa) -> None:
    oa.client.send(notice())
    (push, _), *_ = oa.client.sent
    item_id = etree.fromstring(push.payload).findtext(f"{{{OA}}}ItemId") or ""
    oa.route.mock(side_effect=echoing(example("oa/responses/PushToReadResponse.xml").replace(
        b"toread-FLT-20261123-0007-r1", item_id.encode())))
    result = oa.client.send(push)
    assert result.processed and result.outcome == f"to-read {item_id}"
    posted = etree.fromstring(oa.route.calls.last.request.content)
    assert posted.findtext(f"{{{OA}}}UserId") == "mgr-0755-01"
    # a notice's to-read reaches OA under a MessageId derived from what it shows and the push's id: a redelivery
    # is OA's duplicate
    assert posted.findtext(f"{{{OA}}}Header/{{{C}}}MessageId") == to_read_message_id(posted, push.message_id)


def test_a_notice_for_areas_without_managers_sends_nothing(oa: Oa) -> None:
    result = oa.client.send(command("nsp/OutageNotice.valid-fault.xml", replace={b">0755<": b">0999<"}))
    assert result.processed and result.outcome == "FLT-20261123-0007 r1: no manager for areas 0999"
    assert oa.client.sent == []


def test_an_inconsistent_notice_is_dead_lettered(oa: Oa) -> None:
    result = oa.client.send(command("nsp/OutageNotice.valid-planned-work.xml",
                                    replace={b"<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>": b""}))
    assert result.dead and result.reason is not None and "needs its AdjustmentKind" in result.reason


def test_a_to_do_is_pushed_and_a_busy_oa_retried(oa: Oa) -> None:
    answer = example("oa/responses/PushTodoResponse.xml")
    oa.route.side_effect = [httpx.Response(502), httpx.Response(200, content=answer)]
    result = oa.client.send(command("oa/PushTodo.valid.xml", message_id="hub-todo-0000001"))
    item_id = etree.fromstring(answer).findtext(f"{{{OA}}}ItemId")
    assert result.processed and result.attempts == 2 and result.outcome == f"to-do {item_id}"
    assert etree.fromstring(oa.route.calls.last.request.content).tag == f"{{{OA}}}PushTodo"


def test_the_area_managers_come_from_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.oa]\nurl = "http://127.0.0.1:9/xml"\nnotice_link = "http://h/b#{notice_id}"\n'
                    '[adapters.oa.area_managers]\n"0755" = ["mgr-a", "mgr-b"]\n"020" = ["mgr-b"]\n')
    managers = AreaManagers.from_options(load_settings(path).adapter("oa").options)
    assert managers.managers_of(["020", "0755", "0999"]) == ("mgr-b", "mgr-a")
    assert managers.link_for("FLT-20261123-0007") == "http://h/b#FLT-20261123-0007"


@pytest.mark.parametrize(("options", "message"), [
    ({"area_managers": {"755": ["mgr-a"]}, "notice_link": LINK}, "not an area code"),
    ({"area_managers": {"0755": "mgr-a"}, "notice_link": LINK}, "must be a list of OA user ids"),
    ({"area_managers": {"0755": ["mgr a"]}, "notice_link": LINK}, "must be a list of OA user ids"),
    ({"area_managers": {"0755": ["mgr-a"]}}, "notice_link must be an http"),
    ({"area_managers": {"0755": ["mgr-a"]}, "notice_link": "https://h/{user}"}, "may only use"),
])
def test_bad_area_manager_settings_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AreaManagers.from_options(options)
