"""Journal filters naming an operation the emulator does not know, or a fault kind that does not exist, are a 400
listing the known names, never "0 matches": ``assert_not_called`` with a typo fails loudly."""

from __future__ import annotations

import pytest

from emulators.nsp import create_emulator as create_nsp
from emulators.toolkit import in_process_emulator
from emulators.toolkit.client import AdminAPIError
from emulators.toolkit.journalnames import FAULT_FILTERS, UnknownJournalName, check_journal_names
from emulators.toolkit.journalquery import JournalQuery
from tests.unit.emulators.demo_apps import make_xml_emulator, ping

pytestmark = pytest.mark.unit


@pytest.fixture
def nsp():
    with in_process_emulator(create_nsp(auto_reply=False)) as handle:
        yield handle


def test_a_known_operation_filters_and_a_typo_is_refused_with_the_known_list(nsp) -> None:
    nsp.http.get("/nsp/outages")
    assert nsp.admin.count("ListOutages") == 1
    assert nsp.admin.count("RaiseOutage") == 0  # known, not called: a real zero
    for read in ("/__admin/journal", "/__admin/journal/count"):
        refused = nsp.http.get(read, params={"operation": "ListOutage"})
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert "'ListOutage'" in error and "ListOutages" in error and "NetworkComplaintDispatch" in error


def test_assert_not_called_with_a_typo_raises(nsp) -> None:
    nsp.http.get("/nsp/outages")
    with pytest.raises(AdminAPIError, match="no operation 'ListOutage'"):
        nsp.assert_not_called("ListOutage")
    with pytest.raises(AdminAPIError, match="no operation 'ListOutage'"):
        nsp.assert_called("ListOutage", times=1)


@pytest.mark.parametrize("fault", sorted(FAULT_FILTERS))
def test_every_fault_kind_and_any_none_are_filters(nsp, fault: str) -> None:
    assert nsp.admin.count(fault=fault) == 0


def test_an_unknown_fault_kind_is_refused_with_the_kinds(nsp) -> None:
    refused = nsp.http.get("/__admin/journal/count", params={"fault": "eror"})
    assert refused.status_code == 400
    assert "'eror'" in refused.json()["error"] and "error" in refused.json()["error"]


def test_an_emulator_declaring_no_operations_takes_any_name() -> None:
    with in_process_emulator(make_xml_emulator()) as demo:
        demo.http.post("/", content=ping())
        assert demo.admin.count("Ping") == 1 and demo.admin.count("Anything") == 0


def test_an_operation_the_journal_holds_is_known_though_undeclared() -> None:
    check_journal_names(JournalQuery(operation="Odd"), declared={"Known"}, seen=lambda: {"Odd", None})
    with pytest.raises(UnknownJournalName, match="it knows Known, Odd"):
        check_journal_names(JournalQuery(operation="Od"), declared={"Known"}, seen=lambda: {"Odd", None})


@pytest.mark.parametrize(("params", "named"), [
    ([("fault", "reset"), ("fault", "none")], "'fault' is given 2 times: give it once"),
    ([("operation", "ListOutages"), ("operation", "RaiseOutage")], "'operation' is given 2 times"),
    ([("limit", "-1")], "'limit' must be at least 0, not -1"),
    ([("bodies", "2")], "'bodies' must be 1 or 0 (true/false, yes/no), not '2'"),
    ([("bodies", "0"), ("bodies", "1")], "'bodies' is given 2 times"),
])
def test_an_ambiguous_or_impossible_journal_parameter_is_refused(nsp, params, named: str) -> None:
    """A tester's query the journal cannot answer as asked is a 400 naming it, never one value silently taken
    (audit of hostile inputs: a repeated fault= counted one of them, limit=-1 listed nothing, bodies=2 was true)."""
    refused = nsp.http.get("/__admin/journal", params=params)
    assert refused.status_code == 400 and named in refused.json()["error"]


def test_bodies_and_limit_as_a_tester_writes_them(nsp) -> None:
    nsp.http.get("/nsp/outages")
    nsp.http.get("/nsp/outages")
    listed = nsp.http.get("/__admin/journal", params={"bodies": "false", "limit": "1"}).json()["entries"]
    assert len(listed) == 1 and "request_body" not in listed[0] and "body" not in listed[0]
    assert nsp.http.get("/__admin/journal", params={"limit": "0"}).json()["entries"] == []
